import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkDigest, checkRegistry, checkRepository, checkTag } from '../oci/reference';
import { ALERT_SEVERITIES, MAX_VULNERABILITIES, type AlertDetails, type AlertKind, type AlertSeverity, type AlertSubject, type DetectionSource } from './alert';
import { AcrGuardError } from '../errors/acrGuardError';

/** What a caller hands to AlertService.raise. */
export interface AlertInput {
    readonly kind: AlertKind;
    readonly subject: {
        readonly registry: string;
        readonly repository: string;
        readonly tag?: string | null;
        readonly digest: string;
    };
    readonly detectedBy: DetectionSource;
    /** Defaults to the kind's DEFAULT_SEVERITY. */
    readonly severity?: AlertSeverity;
    readonly details?: AlertDetails;
    /** Generated from kind, subject and details when absent. */
    readonly title?: string;
    readonly message?: string;
    /**
     * Tells apart alerts of one kind about one image that must NOT merge, e.g. a hash of the new
     * CVE ids for `new-vulnerabilities`, or the tag when a kind is per tag. Empty by default.
     */
    readonly discriminator?: string;
    /** When acr-guard noticed it (firstSeen/lastSeen). Defaults to now. */
    readonly observedAt?: Date;
}

/** An input that cannot become an alert: the reason names the offending field, never a secret. */
export class AlertInputError extends AcrGuardError {
    constructor(readonly reason: string) {
        super(`invalid alert: ${reason}`, { code: 'invalid-alert', retryable: false });
    }
}

const MAX_TEXT = 1024;
// Free text from events and logs is truncated, not rejected: an alert must not be lost because a
// user agent is long. Control characters are dropped so a value cannot forge extra log lines.
const text = z
    .string()
    .transform((v) => {
        const clean = v.replace(/\p{Cc}+/gu, ' ');
        return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 1)}…` : clean;
    });
const optionalText = text.nullable().optional();

const ociCheck = (check: (v: string) => { ok: true } | { ok: false; reason: string }) =>
    z.string().superRefine((v, ctx) => {
        const r = check(v);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
    });

const kindSchema = z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, { error: 'kind must be lower-kebab-case, such as quarantine-bypass' }).max(64);

const detailsSchema = z
    .object({
        actor: optionalText,
        userAgent: optionalText,
        requestHost: optionalText,
        time: optionalText,
        operation: optionalText,
        sourceId: optionalText,
        tags: z.array(ociCheck(checkTag)).max(100).optional(),
        reasons: z.array(text).max(50).optional(),
        vulnerabilities: z
            .array(
                z.object({
                    id: text,
                    severity: text,
                    pkgName: text,
                    installedVersion: text.nullable(),
                    fixedVersion: text.nullable(),
                }),
            )
            .optional(),
        vulnerabilityCount: z.number().int().nonnegative().optional(),
        error: optionalText,
        extra: z.record(z.string().max(64), z.union([text, z.number(), z.boolean(), z.null()])).optional(),
    })
    .strict();

const inputSchema = z.object({
    kind: kindSchema,
    subject: z.object({
        registry: ociCheck(checkRegistry),
        repository: ociCheck(checkRepository),
        tag: ociCheck(checkTag).nullable().optional(),
        digest: ociCheck(checkDigest),
    }),
    detectedBy: kindSchema,
    severity: z.enum(ALERT_SEVERITIES).optional(),
    details: detailsSchema.optional(),
    title: text.optional(),
    message: text.optional(),
    discriminator: z.string().max(256).optional(),
    observedAt: z.date().optional(),
});

export interface NormalizedInput {
    readonly kind: AlertKind;
    readonly subject: AlertSubject;
    readonly detectedBy: DetectionSource;
    readonly severity: AlertSeverity | undefined;
    readonly details: AlertDetails;
    readonly title: string | undefined;
    readonly message: string | undefined;
    readonly dedupKey: string;
    readonly alertId: string;
    readonly observedAt: Date;
}

/** Validates and normalizes an input; throws AlertInputError naming every problem. */
export function normalizeInput(input: AlertInput, now: Date): NormalizedInput {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) {
        throw new AlertInputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
    }
    const v = parsed.data;
    const subject: AlertSubject = {
        registry: v.subject.registry.toLowerCase(),
        repository: v.subject.repository,
        tag: v.subject.tag ?? null,
        digest: v.subject.digest,
    };
    const rawDetails = v.details ?? {};
    const tags = [...new Set([...(subject.tag ? [subject.tag] : []), ...(rawDetails.tags ?? [])])];
    const vulnerabilities = rawDetails.vulnerabilities;
    const details: AlertDetails = {
        ...rawDetails,
        ...(tags.length > 0 ? { tags } : {}),
        ...(vulnerabilities
            ? {
                  vulnerabilities: vulnerabilities.slice(0, MAX_VULNERABILITIES),
                  vulnerabilityCount: rawDetails.vulnerabilityCount ?? vulnerabilities.length,
              }
            : {}),
    };
    const dedupKey = dedupKeyOf(v.kind, subject, v.discriminator);
    return {
        kind: v.kind,
        subject,
        detectedBy: v.detectedBy,
        severity: v.severity,
        details: fitDetails(details),
        title: v.title,
        message: v.message,
        dedupKey,
        alertId: alertIdOf(dedupKey),
        observedAt: v.observedAt ?? now,
    };
}

/** A table string property holds 64 KiB (32K UTF-16 chars); details is one JSON column. */
export const MAX_DETAILS_JSON = 30_000;

/** Drops list entries (vulnerabilities first, then reasons) until details fits its column; counts stay. */
function fitDetails(details: AlertDetails): AlertDetails {
    let fitted = details;
    while (JSON.stringify(fitted).length > MAX_DETAILS_JSON) {
        const vulns = fitted.vulnerabilities ?? [];
        const reasons = fitted.reasons ?? [];
        if (vulns.length > 0) fitted = { ...fitted, vulnerabilities: vulns.slice(0, Math.floor(vulns.length / 2)) };
        else if (reasons.length > 0) fitted = { ...fitted, reasons: reasons.slice(0, Math.floor(reasons.length / 2)) };
        else if (fitted.extra) fitted = { ...fitted, extra: { truncated: true } };
        else break; // the remaining fields are each capped at 1 KiB: it fits
    }
    return fitted;
}

/**
 * kind | registry | repository | digest [| discriminator]. The tag is deliberately not part of
 * it: the event path sees `live/app:1.0` while the reconciler may see the same manifest push
 * with no tag (or the tag moved later); both are the same unvetted digest in the same repository,
 * so one alert. Tags are merged into details.tags instead.
 */
export function dedupKeyOf(kind: AlertKind, subject: Pick<AlertSubject, 'registry' | 'repository' | 'digest'>, discriminator?: string): string {
    const parts = [kind, subject.registry.toLowerCase(), subject.repository, subject.digest];
    if (discriminator) parts.push(discriminator);
    return parts.join('|');
}

/** 32 hex characters of SHA-256 over the dedup key: a valid table key and CloudEvent id. */
export function alertIdOf(dedupKey: string): string {
    return createHash('sha256').update(dedupKey, 'utf8').digest('hex').slice(0, 32);
}
