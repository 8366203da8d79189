import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTimeSpan, parseTimeSpan, readHostJson } from '../../local-host/hostJson';
import { compileRoute, matchRoute } from '../../local-host/httpRoutes';
import { decodeMessage, encodeMessage } from '../../local-host/queueMessages';
import { validateSchedule } from '../../local-host/registry';

describe('local host building blocks', () => {
    it('matches route templates like the Functions host', () => {
        const route = compileRoute('images/{repo}/tags/{tag?}');
        expect(matchRoute(route, '/Images/team%2Fapp/tags/v1')).toEqual({ repo: 'team/app', tag: 'v1' });
        expect(matchRoute(route, '/images/app/tags')).toEqual({ repo: 'app' });
        expect(matchRoute(route, '/images/app')).toBeUndefined();
        expect(matchRoute(compileRoute('patching/plan'), '/Patching/Plan/')).toEqual({});
    });

    it('refuses route templates the app does not use (constraints, catch-alls, parameters inside a segment)', () => {
        expect(() => compileRoute('items/{id:int}')).toThrow(/HTTP route "items\/\{id:int\}": segment "\{id:int\}" is not supported/);
        expect(() => compileRoute('files/{*rest}')).toThrow(/segment "\{\*rest\}" is not supported/);
        expect(() => compileRoute('files/{name}.txt')).toThrow(/segment "\{name\}\.txt" is not supported/);
    });

    it('reads host.json queue settings with the Functions defaults', () => {
        expect(parseTimeSpan('00:00:02', 'x')).toBe(2000);
        expect(parseTimeSpan('1.00:00:00.5', 'x')).toBe(86_400_500);
        expect(() => parseTimeSpan('2s', 'maxPollingInterval')).toThrow(/maxPollingInterval "2s" is not a TimeSpan/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostjson-'));
        const file = path.join(dir, 'host.json');
        fs.writeFileSync(file, JSON.stringify({ version: '2.0', extensions: { queues: { messageEncoding: 'none' } } }));
        expect(readHostJson(file)).toEqual({
            functionTimeoutMs: 30 * 60_000,
            routePrefix: 'api',
            queues: { messageEncoding: 'none', batchSize: 16, newBatchThreshold: 8, maxPollingIntervalMs: 60_000, visibilityTimeoutMs: 0, maxDequeueCount: 5 },
        });
        fs.writeFileSync(file, JSON.stringify({ functionTimeout: '00:05:00' }));
        expect(readHostJson(file).functionTimeoutMs).toBe(300_000);
        fs.writeFileSync(file, JSON.stringify({ functionTimeout: '-1' }));
        expect(readHostJson(file).functionTimeoutMs).toBeUndefined();
        fs.writeFileSync(file, JSON.stringify({ functionTimeout: '00:00:00.500' }));
        expect(() => readHostJson(file)).toThrow(/functionTimeout must be at least 00:00:01/);
        fs.writeFileSync(file, JSON.stringify({ extensions: { queues: { batchSize: 64 } } }));
        expect(() => readHostJson(file)).toThrow(/extensions\.queues\.batchSize/);
        fs.rmSync(dir, { recursive: true });
    });

    it('prints TimeSpans as the host does in its timeout messages', () => {
        expect(formatTimeSpan(30 * 60_000)).toBe('00:30:00');
        expect(formatTimeSpan(1500)).toBe('00:00:01.5000000');
        expect(formatTimeSpan(86_400_000 + 2000)).toBe('1.00:00:02');
    });

    it('encodes and decodes queue messages per messageEncoding', () => {
        expect(decodeMessage(encodeMessage('{"a":1}', { messageEncoding: 'base64' }), { messageEncoding: 'base64' })).toBe('{"a":1}');
        expect(decodeMessage('{"a":1}', { messageEncoding: 'base64' })).toBeUndefined();
        expect(decodeMessage('{"a":1}', { messageEncoding: 'none' })).toBe('{"a":1}');
    });

    it('accepts six-field NCRONTAB and rejects the rest', () => {
        expect(() => validateSchedule('t', '0 */5 * * * *')).not.toThrow();
        expect(() => validateSchedule('t', '0 0 25 * * *')).toThrow(/"t": timer schedule "0 0 25 \* \* \*" is invalid/);
        expect(() => validateSchedule('t', '*/5 * * * *')).toThrow(/six-field/);
    });
});
