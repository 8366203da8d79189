import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main';
import { imagePushed } from '../support/intakeFixtures';

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/eventgrid');
const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-inspect-'));

function file(name: string, content: string): string {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
}

async function run(argv: string[], env: Record<string, string> = {}) {
    let out = '';
    let err = '';
    const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), now: () => new Date(), env };
    const code = await main(argv, io);
    return { code, out, err };
}

describe('acr-guard event inspect', () => {
    it('prints the normalised event and its route for a real sample (exit 0)', async () => {
        const { code, out } = await run(['event', 'inspect', path.join(FIXTURES, 'rest-api-specs/cloud-events-schema/image_pushed.json')]);
        expect(code).toBe(0);
        expect(JSON.parse(out)).toEqual([
            expect.objectContaining({
                id: 'c25fdb80-ebbd-4dd0-a29c-a7349e6388f6',
                type: 'Microsoft.ContainerRegistry.ImagePushed',
                registry: 'jolovcr.azurecr.io',
                repository: 'samples/nginx',
                tag: 'latest',
                digest: 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166',
                mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
                action: 'push',
                route: 'ignore',
            }),
        ]);
    });

    it('routes with the environment settings when present', async () => {
        const sample = path.join(FIXTURES, 'rest-api-specs/event-grid-schema/image_pushed.json');
        const { code, out } = await run(['event', 'inspect', sample], { ACR_GUARD_QUARANTINE_PREFIX: 'samples/' });
        expect(code).toBe(0);
        expect(JSON.parse(out)[0]).toMatchObject({ route: 'scan' });
        const bad = await run(['event', 'inspect', sample], { ACR_GUARD_LIVE_PREFIX: 'no-slash' });
        expect(bad.code).toBe(2);
        expect(bad.err).toMatch(/ACR_GUARD_LIVE_PREFIX is malformed/);
    });

    it('prints one object per event of an array, with action null where the event has none, and exits 1 on a reject', async () => {
        const events = [
            imagePushed('e-q', 'quarantine/app'),
            imagePushed('e-l', 'live/app'),
            { ...imagePushed('e-d', 'live/app'), eventType: 'Microsoft.ContainerRegistry.ImageDeleted', data: { target: { repository: 'live/app', digest: `sha256:${'a'.repeat(64)}` } } },
            imagePushed('e-evil', 'quarantine/$(curl evil)'),
        ];
        const { code, out } = await run(['event', 'inspect', file('batch.json', JSON.stringify(events))]);
        expect(code).toBe(1);
        const printed = JSON.parse(out) as Array<Record<string, unknown>>;
        expect(printed.map((e) => [e.id, e.route])).toEqual([
            ['e-q', 'scan'],
            ['e-l', 'live-check'],
            ['e-d', 'record'],
            ['e-evil', 'reject'],
        ]);
        expect(printed[2]).toMatchObject({ action: null, tag: null, type: 'Microsoft.ContainerRegistry.ImageDeleted' });
        expect(printed[3]?.reason).toMatch(/invalid data\.target\.repository/);
        expect(printed[0]).not.toHaveProperty('reason');
    });

    it('exits 1 for the Java placeholder sample and 0 for the malformed-eventTime sample', async () => {
        const java = await run(['event', 'inspect', path.join(FIXTURES, 'azure-sdk-for-java/ContainerRegistryImagePushedEvent.json')]);
        expect(java.code).toBe(1);
        const legacy = await run(['event', 'inspect', path.join(FIXTURES, 'rest-api-specs/legacy-v1/chart_deleted.json')]);
        expect(legacy.code).toBe(0);
        expect(JSON.parse(legacy.out)[0]).toMatchObject({ route: 'record', warnings: [expect.stringMatching(/eventTime/)] });
    });

    it('exits 2 with a message when the file is not JSON or missing, and on usage errors', async () => {
        const notJson = await run(['event', 'inspect', file('bad.json', '{"id": ')]);
        expect(notJson.code).toBe(2);
        expect(notJson.err).toMatch(/bad\.json is not JSON/);
        expect(notJson.out).toBe('');
        expect((await run(['event', 'inspect', path.join(dir, 'missing.json')])).code).toBe(2);
        expect((await run(['event', 'inspect'])).code).toBe(2);
        expect((await run(['nope'])).code).toBe(2);
    });

    it('has help', async () => {
        const top = await run(['--help']);
        expect(top.code).toBe(0);
        expect(top.out).toMatch(/event inspect FILE/);
        const sub = await run(['event', 'inspect', '--help']);
        expect(sub.code).toBe(0);
        expect(sub.out).toMatch(/Exit 0: every event understood/);
    });
});

describe('the README examples (examples/events)', () => {
    const EXAMPLES = path.resolve(__dirname, '../../examples/events');
    it('routes the quarantine push to a scan and the live push to the quarantine check', async () => {
        const quarantine = await run(['event', 'inspect', path.join(EXAMPLES, 'quarantine-push.json')]);
        expect(quarantine.code).toBe(0);
        expect(JSON.parse(quarantine.out)).toMatchObject([{ repository: 'quarantine/hello', tag: '1.0', route: 'scan' }]);
        const live = await run(['event', 'inspect', path.join(EXAMPLES, 'live-push.json')]);
        expect(live.code).toBe(0);
        expect(JSON.parse(live.out)).toMatchObject([{ repository: 'live/hello', actor: 'someone@contoso.com', route: 'live-check' }]);
    });
});
