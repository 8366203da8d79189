import { describe, expect, it } from 'vitest';
import { decodeScanRequest, encodeScanRequest, scanRequestIdFor, type ScanRequest } from '../../shared/scan/scanRequest';

const request: ScanRequest = {
    schema: 'acr-guard.scan-request',
    version: 1,
    requestId: scanRequestIdFor('evt-1', 'push'),
    registry: 'contoso.azurecr.io',
    repository: 'quarantine/app',
    digest: 'sha256:' + 'c'.repeat(64),
    tag: '1.0',
    reason: 'push',
    requestedAt: '2024-05-01T10:00:00.000Z',
    sourceEventId: 'evt-1',
};

describe('ScanRequest', () => {
    it('round-trips through Base64 JSON, and decodes what the host hands a queue trigger', () => {
        const text = encodeScanRequest(request);
        expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual(request);
        expect(decodeScanRequest(text)).toEqual({ ok: true, request });
        expect(decodeScanRequest(JSON.stringify(request))).toEqual({ ok: true, request });
        expect(decodeScanRequest(request)).toEqual({ ok: true, request });
    });

    it('derives the same request id for every delivery of an event', () => {
        expect(scanRequestIdFor('evt-1', 'push')).toBe(request.requestId);
        expect(request.requestId).toMatch(/^push-[0-9a-f]{32}$/);
        expect(scanRequestIdFor('evt-2', 'push')).not.toBe(request.requestId);
    });

    it('refuses other versions, hostile names and garbage with a reason', () => {
        expect(decodeScanRequest({ ...request, version: 2 })).toEqual({ ok: false, reason: 'unsupported scan request version 2 (this worker reads 1)' });
        expect(decodeScanRequest({ ...request, repository: 'quarantine/x;rm -rf /' })).toMatchObject({ ok: false, reason: expect.stringMatching(/repository: not a valid OCI repository name/) });
        expect(decodeScanRequest('not base64 json')).toMatchObject({ ok: false });
        expect(() => encodeScanRequest({ ...request, digest: 'sha256:zz' })).toThrow();
    });
});
