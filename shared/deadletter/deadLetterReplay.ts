import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { AlertInput } from '../alerts/alertInput';
import { errorMessage } from '../errors/errorMessage';
import { hasStatus, isNotFound } from '../errors/restStatus';
import type { NormalisedEvent } from '../events/registryEvent';
import type { IntakeLog } from '../intake/intakeLog';
import type { IntakeResult } from '../intake/intakeService';
import { isDigest, isRegistry, isRepository, isTag } from '../oci/reference';
import { parseDeadLetterBlob, type DeadLetteredEvent } from './deadLetterBlob';

/**
 * The folder Event Grid writes acr-guard's dead letters under: the event subscription's name
 * (`acr-guard-intake`, infra/modules/event-subscription.bicep) in upper case.
 */
export const DEAD_LETTER_FOLDER = 'ACR-GUARD-INTAKE/';

/** Blob metadata written once a blob was replayed (or found unreadable): such blobs are never replayed again. */
export const REPLAYED_AT = 'acrguardreplayedat';
export const REPLAY_OUTCOME = 'acrguardreplayoutcome';

/** Where events without an image (a chart, an unreadable blob) are filed in alerts; the digest is the sha256 of their text. */
export const DEAD_LETTER_ALERT_REPOSITORY = 'acr-guard/dead-letters';

/** The intake as the replay uses it: the same service the Event Grid trigger calls. */
export interface ReplayIntake {
    decide(input: unknown): { outcome: NormalisedEvent };
    handle(input: unknown, log: IntakeLog): Promise<IntakeResult>;
}

export interface DeadLetterReplayDeps {
    readonly container: ContainerClient;
    readonly intake: ReplayIntake;
    readonly alerts: { raise(input: AlertInput): Promise<unknown> };
    /** The guarded registry's login server: alerts about events that name none. */
    readonly registry: string;
    readonly log: IntakeLog;
    readonly folder?: string;
    /** At most this many blobs per run (the rest wait for the next run). */
    readonly maxBlobsPerRun?: number;
    /** Blobs larger than this are not read (alerted and marked unreadable instead). */
    readonly maxBlobBytes?: number;
    readonly now?: () => Date;
}

export interface ReplayReport {
    /** Blobs under the folder that were already marked. */
    readonly alreadyReplayed: number;
    readonly replayedBlobs: number;
    readonly replayedEvents: number;
    readonly unreadableBlobs: number;
    /** Blobs left for the next run (a failure, or the per-run limit). */
    readonly deferred: number;
}

/**
 * Event Grid dead letters are not the end: every event Event Grid gave up on is handed to the
 * normal intake (idempotent: an event it did get after all is a duplicate there), and raises one
 * `event-dead-lettered` alert (the guard saw it late, or not at all until now). A blob is marked
 * with metadata once all its events are through, so each blob is replayed once; a failure leaves it
 * unmarked for the next run. A blob that cannot be read is alerted and marked `unreadable`, and
 * stays in the container for a person to look at: nothing is deleted.
 */
export class DeadLetterReplay {
    private readonly folder: string;
    private readonly maxBlobs: number;
    private readonly maxBytes: number;
    private readonly now: () => Date;

    constructor(private readonly deps: DeadLetterReplayDeps) {
        this.folder = deps.folder ?? DEAD_LETTER_FOLDER;
        this.maxBlobs = deps.maxBlobsPerRun ?? 200;
        this.maxBytes = deps.maxBlobBytes ?? 4 * 1024 * 1024;
        this.now = deps.now ?? (() => new Date());
    }

    async run(): Promise<ReplayReport> {
        const report = { alreadyReplayed: 0, replayedBlobs: 0, replayedEvents: 0, unreadableBlobs: 0, deferred: 0 };
        try {
            for await (const item of this.deps.container.listBlobsFlat({ prefix: this.folder, includeMetadata: true })) {
                if (item.metadata?.[REPLAYED_AT]) {
                    report.alreadyReplayed += 1;
                    continue;
                }
                if (report.replayedBlobs + report.unreadableBlobs >= this.maxBlobs) {
                    report.deferred += 1;
                    continue;
                }
                try {
                    const outcome = await this.replayBlob(item.name, item.properties.contentLength ?? 0, item.properties.etag, item.metadata ?? {});
                    if (outcome.kind === 'replayed') {
                        report.replayedBlobs += 1;
                        report.replayedEvents += outcome.events;
                    } else {
                        report.unreadableBlobs += 1;
                    }
                } catch (err) {
                    // Storage trouble (the intake's or ours): the blob stays unmarked and is tried again next run.
                    report.deferred += 1;
                    this.deps.log.error(`dead letter ${item.name}: replay failed, kept for the next run: ${errorMessage(err)}`);
                }
            }
        } catch (err) {
            if (isNotFound(err)) {
                this.deps.log.warn(`dead-letter container ${this.deps.container.containerName} does not exist: nothing to replay`);
                return report;
            }
            throw err;
        }
        return report;
    }

    private async replayBlob(name: string, size: number, etag: string | undefined, metadata: Record<string, string>): Promise<{ kind: 'replayed'; events: number } | { kind: 'unreadable' }> {
        const blob = this.deps.container.getBlobClient(name);
        const parsed = size > this.maxBytes ? { ok: false as const, reason: `${size} bytes, over the ${this.maxBytes} byte limit` } : parseDeadLetterBlob((await blob.downloadToBuffer()).toString('utf8'));
        if (!parsed.ok) {
            this.deps.log.warn(`dead letter ${name} is unreadable (${parsed.reason}): alerted, marked and kept`);
            await this.raise(
                { registry: this.deps.registry, repository: DEAD_LETTER_ALERT_REPOSITORY, tag: null, digest: sha256(name) },
                `blob:${name}`,
                { error: `unreadable dead-letter blob ${name}: ${parsed.reason}`, extra: { blob: name } },
            );
            await this.mark(name, etag, metadata, 'unreadable');
            return { kind: 'unreadable' };
        }
        for (const [index, dead] of parsed.events.entries()) {
            const result = await this.deps.intake.handle(dead.event, this.deps.log);
            await this.alertFor(name, index, dead, result);
        }
        await this.mark(name, etag, metadata, `replayed ${parsed.events.length}`);
        this.deps.log.log(`dead letter ${name}: ${parsed.events.length} event(s) replayed through the intake`);
        return { kind: 'replayed', events: parsed.events.length };
    }

    private async alertFor(blobName: string, index: number, dead: DeadLetteredEvent, result: IntakeResult): Promise<void> {
        const { outcome } = this.deps.intake.decide(dead.event);
        const e = outcome.ok ? outcome.event : outcome.partial;
        const text = JSON.stringify(dead.event) ?? String(dead.event);
        const registry = e.registry && isRegistry(e.registry) ? e.registry : this.deps.registry;
        const image = e.repository && isRepository(e.repository) && e.digest && isDigest(e.digest);
        const subject = image
            ? { registry, repository: e.repository as string, tag: e.tag && isTag(e.tag) ? e.tag : null, digest: e.digest as string }
            : { registry, repository: DEAD_LETTER_ALERT_REPOSITORY, tag: null, digest: sha256(text) };
        const info = dead.info;
        await this.raise(subject, `event:${result.key.id}`, {
            ...(e.eventId ? { sourceId: e.eventId } : {}),
            ...(e.type ? { operation: e.type } : {}),
            ...(e.actor ? { actor: e.actor } : {}),
            ...(info.publishTime ? { time: info.publishTime } : {}),
            reasons: [info.reason ?? 'unknown dead-letter reason', ...(info.lastDeliveryOutcome ? [`last delivery: ${info.lastDeliveryOutcome}`] : [])],
            extra: {
                blob: blobName,
                index,
                deliveryAttempts: info.deliveryAttempts,
                lastHttpStatusCode: info.lastHttpStatusCode,
                replayedRoute: result.route,
                replayedDelivery: result.delivery,
            },
        });
    }

    private async raise(subject: AlertInput['subject'], discriminator: string, details: NonNullable<AlertInput['details']>): Promise<void> {
        await this.deps.alerts.raise({ kind: 'event-dead-lettered', detectedBy: 'dead-letter', subject, discriminator, details });
    }

    /** Metadata on the blob, conditional on the ETag it was listed with: a blob changed meanwhile is looked at again next run. */
    private async mark(name: string, etag: string | undefined, metadata: Record<string, string>, outcome: string): Promise<void> {
        try {
            await this.deps.container.getBlobClient(name).setMetadata(
                { ...metadata, [REPLAYED_AT]: this.now().toISOString(), [REPLAY_OUTCOME]: outcome },
                etag ? { conditions: { ifMatch: etag } } : {},
            );
        } catch (err) {
            if (!hasStatus(err, 412)) throw err;
            this.deps.log.warn(`dead letter ${name} changed while it was replayed: it is looked at again next run (the intake ignores what it already has)`);
        }
    }
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
