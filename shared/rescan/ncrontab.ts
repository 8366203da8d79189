import { Cron } from 'croner';
import { z } from 'zod';

/** A six-field NCRONTAB expression (seconds first), as the Functions timer trigger reads it; checked with croner. */
export const ncrontab = z.string().superRefine((value, ctx) => {
    if (value.trim().split(/\s+/).length !== 6) {
        ctx.addIssue({ code: 'custom', message: 'expected six NCRONTAB fields (seconds minutes hours day month weekday), such as "0 0 3 * * *"' });
        return;
    }
    try {
        new Cron(value, { paused: true }).stop();
    } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid NCRONTAB expression: ${(err as Error).message}` });
    }
});
