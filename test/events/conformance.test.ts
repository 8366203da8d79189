import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseEvents } from '../../shared/events/normalise';
import type { RegistryEvent } from '../../shared/events/registryEvent';
import { DEFAULT_ROUTING_RULES, routeEvent, type Route } from '../../shared/intake/route';

/*
 * Conformance over every Event Grid sample in ../shared/fixtures/eventgrid, read in place.
 * The expected values below were written by reading the files (see PROVENANCE.md section 1),
 * not computed by the code under test. A new sample without an expectation fails the suite.
 */
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/eventgrid');

function listFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    );
}

type Accepted = { event: RegistryEvent; route: Exclude<Route, 'reject'>; warnings: RegExp[] };
type Rejected = { reason: RegExp; partial: Partial<Record<keyof RegistryEvent, unknown>> };
type Expectation = Accepted | Rejected;

const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const HELM = 'application/vnd.acr.helm.chart';
const DOCS_DIGEST = 'sha256:213bbc182920ab41e18edc2001e06abcca6735d87782d9cef68abd83941cf0e5';
const NGINX_DIGEST = 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166';
const CHART_DIGEST = 'sha256:7f060075264b5ba7c14c23672698152ae6a3ebac1c47916e4efe19cd624d5fab';
const DOCS_TOPIC = '/subscriptions/<subscription-id>/resourceGroups/<resource-group-name>/providers/Microsoft.ContainerRegistry/registries/<name>';
const SPEC_TOPIC = '/subscriptions/{subscription-id}/resourceGroups/{resource-group-name}/providers/Microsoft.ContainerRegistry/registries/{name}';
const JOLOV_TOPIC = '/subscriptions/faa080af-c1d8-40ad-9cce-e1a450ca5b57/resourceGroups/jolov/providers/Microsoft.ContainerRegistry/registries/jolovcr';
const JAVA_TOPIC = '/SUBSCRIPTIONS/ID/RESOURCEGROUPS/rg/PROVIDERS/MICROSOFT.ContainerRegistry/test1';
// JSON "\\\\(windows\\\\)" in the docs sample is two literal backslashes on each side.
const DOCS_PUSH_AGENT = 'docker/18.03.0-ce go/go1.9.4 git-commit/0520e24 os/windows arch/amd64 UpstreamClient(Docker-Client/18.03.0-ce \\\\(windows\\\\))';
const NGINX_PUSH_AGENT =
    'docker/20.10.7 go/go1.13.15 git-commit/b0f5bc3 kernel/5.10.16.3-microsoft-standard-WSL2 os/linux arch/amd64 UpstreamClient(Docker-Client/20.10.7 \\(windows\\))';

const docsDeleted: RegistryEvent = {
    eventId: 'f06e3921-301f-42ec-b368-212f7d5354bd',
    type: 'Microsoft.ContainerRegistry.ImageDeleted',
    action: 'delete',
    registry: 'demo.azurecr.io',
    repository: 'aci-helloworld',
    tag: null,
    digest: DOCS_DIGEST,
    mediaType: DOCKER_V2,
    size: null,
    chart: null,
    actor: null,
    userAgent: 'python-requests/2.18.4',
    requestHost: 'demo.azurecr.io',
    connectedRegistry: null,
    time: '2018-04-26T17:56:00.996Z',
    eventTime: '2018-04-26T17:56:01.821Z',
    topic: DOCS_TOPIC,
    schema: 'eventgrid',
};
const docsPushed: RegistryEvent = {
    eventId: '831e1650-001e-001b-66ab-eeb76e069631',
    type: 'Microsoft.ContainerRegistry.ImagePushed',
    action: 'push',
    registry: 'demo.azurecr.io',
    repository: 'aci-helloworld',
    tag: 'v1',
    digest: DOCS_DIGEST,
    mediaType: DOCKER_V2,
    size: 3023,
    chart: null,
    actor: null,
    userAgent: DOCS_PUSH_AGENT,
    requestHost: 'demo.azurecr.io',
    connectedRegistry: null,
    time: '2018-04-25T21:39:47.276Z',
    eventTime: '2018-04-25T21:39:47.654Z',
    topic: DOCS_TOPIC,
    schema: 'eventgrid',
};
const javaChart = (type: 'ChartPushed' | 'ChartDeleted'): RegistryEvent => ({
    eventId: '56afc886-767b-d359-d59e-0da7877166b2',
    type: `Microsoft.ContainerRegistry.${type}`,
    action: 'action1',
    registry: null,
    repository: null,
    tag: null,
    digest: null,
    mediaType: 'mediatype1',
    size: null,
    chart: { name: 'name1', version: null },
    actor: null,
    userAgent: null,
    requestHost: null,
    connectedRegistry: null,
    // data.timestamp is null: the envelope's eventTime stands in.
    time: '2018-01-02T19:17:44.438Z',
    eventTime: '2018-01-02T19:17:44.438Z',
    topic: JAVA_TOPIC,
    schema: 'eventgrid',
});
const specChartDeleted: RegistryEvent = {
    eventId: '39136b3a-1a7e-416f-a09e-5c85d5402fca',
    type: 'Microsoft.ContainerRegistry.ChartDeleted',
    action: 'chart_delete',
    registry: null,
    repository: 'repo',
    tag: 'mychart-1.0.0.tgz',
    digest: CHART_DIGEST,
    mediaType: HELM,
    size: 25265,
    chart: { name: 'mychart', version: '1.0.0' },
    actor: null,
    userAgent: null,
    requestHost: null,
    connectedRegistry: 'edge1',
    time: '2019-03-12T22:42:08.378Z',
    eventTime: '2019-03-12T22:42:08.703Z',
    topic: SPEC_TOPIC,
    schema: 'eventgrid',
};
const specChartPushed: RegistryEvent = {
    ...specChartDeleted,
    eventId: 'ea3a9c28-5b17-40f6-a500-3f02b6829277',
    type: 'Microsoft.ContainerRegistry.ChartPushed',
    action: 'chart_push',
    time: '2019-03-12T22:16:31.008Z',
    eventTime: '2019-03-12T22:16:31.516Z',
};
const nginxDeleted: RegistryEvent = {
    eventId: '6fdef14c-2594-41e8-9156-c0376eb0a190',
    type: 'Microsoft.ContainerRegistry.ImageDeleted',
    action: 'delete',
    registry: 'jolovcr.azurecr.io',
    repository: 'samples/nginx',
    tag: null,
    digest: NGINX_DIGEST,
    mediaType: DOCKER_V2,
    size: null,
    chart: null,
    actor: null,
    userAgent: 'python-requests/2.22.0',
    requestHost: 'jolovcr.azurecr.io',
    connectedRegistry: 'edge1',
    time: '2021-09-08T06:49:40.185Z',
    eventTime: '2021-09-08T06:49:40.534Z',
    topic: JOLOV_TOPIC,
    schema: 'eventgrid',
};
const nginxPushed: RegistryEvent = {
    eventId: 'c25fdb80-ebbd-4dd0-a29c-a7349e6388f6',
    type: 'Microsoft.ContainerRegistry.ImagePushed',
    action: 'push',
    registry: 'jolovcr.azurecr.io',
    repository: 'samples/nginx',
    tag: 'latest',
    digest: NGINX_DIGEST,
    mediaType: DOCKER_V2,
    size: 1153,
    chart: null,
    actor: null,
    userAgent: NGINX_PUSH_AGENT,
    requestHost: 'jolovcr.azurecr.io',
    connectedRegistry: 'edge1',
    time: '2021-09-08T06:37:45.468Z',
    eventTime: '2021-09-08T06:37:45.660Z',
    topic: JOLOV_TOPIC,
    schema: 'eventgrid',
};
const cloud = (event: RegistryEvent): RegistryEvent => ({ ...event, schema: 'cloudevents' });
const legacy = (event: RegistryEvent): RegistryEvent => ({ ...event, connectedRegistry: null });
const SHORT_TYPE = /short event type/;

const expectations: Record<string, Expectation> = {
    'azure-docs/docs-2018-image-deleted.eventgrid.json': { event: docsDeleted, route: 'record', warnings: [SHORT_TYPE] },
    'azure-docs/docs-2018-image-pushed.eventgrid.json': { event: docsPushed, route: 'ignore', warnings: [SHORT_TYPE] },
    'azure-docs/docs-2021-image-deleted.cloudevents.json': { event: cloud(docsDeleted), route: 'record', warnings: [SHORT_TYPE] },
    'azure-docs/docs-2021-image-pushed.cloudevents.json': { event: cloud(docsPushed), route: 'ignore', warnings: [SHORT_TYPE] },
    'azure-sdk-for-java/ContainerRegistryChartDeletedEvent.json': {
        event: javaChart('ChartDeleted'),
        route: 'record',
        warnings: [/digest "digest1" is not a valid/],
    },
    'azure-sdk-for-java/ContainerRegistryChartPushedEvent.json': {
        event: javaChart('ChartPushed'),
        route: 'record',
        warnings: [/digest "digest1" is not a valid/],
    },
    // Placeholder digests: an image event without a valid digest is rejected, never guessed.
    'azure-sdk-for-java/ContainerRegistryImageDeletedEvent.json': {
        reason: /ImageDeleted with an invalid data\.target\.digest: digest "digest1"/,
        partial: { eventId: '56afc886-767b-d359-d59e-0da7877166b2', type: 'Microsoft.ContainerRegistry.ImageDeleted', repository: 'test', digest: 'digest1', actor: 'testactor', userAgent: 'useragent1', requestHost: 'test' },
    },
    'azure-sdk-for-java/ContainerRegistryImagePushedEvent.json': {
        reason: /ImagePushed with an invalid data\.target\.digest: digest "digest1"/,
        partial: { eventId: '56afc886-767b-d359-d59e-0da7877166b2', type: 'Microsoft.ContainerRegistry.ImagePushed', repository: 'test', digest: 'digest1', tag: null, time: '2018-06-20T19:00:33.612Z' },
    },
    'rest-api-specs/cloud-events-schema/chart_deleted.json': { event: cloud(specChartDeleted), route: 'record', warnings: [] },
    'rest-api-specs/cloud-events-schema/chart_pushed.json': { event: cloud(specChartPushed), route: 'record', warnings: [] },
    'rest-api-specs/cloud-events-schema/image_deleted.json': {
        event: cloud(nginxDeleted),
        route: 'record',
        warnings: [/"specVersion" \(camelCase\)/],
    },
    'rest-api-specs/cloud-events-schema/image_pushed.json': { event: cloud(nginxPushed), route: 'ignore', warnings: [] },
    'rest-api-specs/event-grid-schema/chart_deleted.json': { event: specChartDeleted, route: 'record', warnings: [] },
    'rest-api-specs/event-grid-schema/chart_pushed.json': { event: specChartPushed, route: 'record', warnings: [] },
    'rest-api-specs/event-grid-schema/image_deleted.json': { event: nginxDeleted, route: 'record', warnings: [] },
    'rest-api-specs/event-grid-schema/image_pushed.json': { event: nginxPushed, route: 'ignore', warnings: [] },
    // The malformed envelope eventTime ("019-03-12…") is dropped with a warning; the event is kept
    // and its time comes from data.timestamp, which is valid.
    'rest-api-specs/legacy-v1/chart_deleted.json': {
        event: { ...legacy(specChartDeleted), eventTime: null },
        route: 'record',
        warnings: [/eventTime "019-03-12T22:42:08\.7034064Z" is not an RFC 3339 timestamp; ignored/],
    },
    'rest-api-specs/legacy-v1/chart_pushed.json': { event: legacy(specChartPushed), route: 'record', warnings: [] },
    'rest-api-specs/legacy-v1/image_deleted.json': { event: legacy(nginxDeleted), route: 'record', warnings: [] },
    'rest-api-specs/legacy-v1/image_pushed.json': { event: legacy(nginxPushed), route: 'ignore', warnings: [] },
    'subscription-validation/subscription-validation-event.json': {
        reason: /subscription validation event/,
        partial: { eventId: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66', schema: 'eventgrid' },
    },
    'subscription-validation/subscription-validation-response.json': {
        reason: /neither an Event Grid event .* nor a CloudEvent/,
        partial: { eventId: null, type: null },
    },
};

const files = listFiles(FIXTURES)
    .map((file) => path.relative(FIXTURES, file).split(path.sep).join('/'))
    .sort();

describe('conformance: every Event Grid sample under ../shared/fixtures/eventgrid', () => {
    it('finds the samples in place and has an expectation for each one', () => {
        expect(files.length).toBe(22);
        expect(files).toEqual(Object.keys(expectations).sort());
    });

    it.each(files)('%s', (file) => {
        const expected = expectations[file];
        expect(expected).toBeDefined();
        const payload = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as unknown;
        const outcomes = normaliseEvents(payload);
        expect(outcomes).toHaveLength(1);
        const outcome = outcomes[0]!;
        const decision = routeEvent(outcome, DEFAULT_ROUTING_RULES);
        if (expected && 'event' in expected) {
            if (!outcome.ok) throw new Error(`expected ${file} to be accepted, got: ${outcome.reason}`);
            expect(outcome.event).toEqual(expected.event);
            expect(decision.route).toBe(expected.route);
            expect(outcome.warnings).toHaveLength(expected.warnings.length);
            expected.warnings.forEach((pattern, i) => expect(outcome.warnings[i]).toMatch(pattern));
        } else if (expected) {
            if (outcome.ok) throw new Error(`expected ${file} to be rejected`);
            expect(outcome.reason).toMatch(expected.reason);
            expect(outcome.partial).toMatchObject(expected.partial);
            expect(decision).toEqual({ route: 'reject', reason: outcome.reason });
        }
    });

    it('routes the real pushes by prefix once the repository is under quarantine/ or live/', () => {
        const payload = JSON.parse(readFileSync(path.join(FIXTURES, 'rest-api-specs/event-grid-schema/image_pushed.json'), 'utf8'));
        const rules = { ...DEFAULT_ROUTING_RULES, quarantinePrefix: 'samples/' };
        expect(routeEvent(normaliseEvents(payload)[0]!, rules).route).toBe('scan');
        expect(routeEvent(normaliseEvents(payload)[0]!, { ...DEFAULT_ROUTING_RULES, livePrefix: 'samples/' }).route).toBe('live-check');
        expect(routeEvent(normaliseEvents(payload)[0]!, { ...DEFAULT_ROUTING_RULES, otherRepositories: 'scan' }).route).toBe('scan');
    });
});
