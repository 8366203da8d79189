import { validatePatchingConfig, type PatchingConfig } from '../shared/patching/config';
import { planPatchCycle } from '../shared/patching/plan';
import { inventoryTagSource, pagedTagSource, TAG_PAGE_SIZE, type Inventory, type TagSource } from '../shared/patching/tagSource';

/**
 * Planning a continuous-patching cycle over 10,000 repositories with 20 tags each (half with
 * `"*"`, half with explicit tags), from an in-memory inventory and through a paged tag lister
 * (page size 100, like ACR's `n`), against a baseline that only lists the same tags.
 * Targets: under 5 s and under 300 MB.
 */

export const REPOSITORIES = 10_000;
export const TIME_TARGET_MS = 5_000;
export const MEMORY_TARGET_MB = 300;

/** 20 tags: originals with incremental patches (numeric order matters), a floating patch, a long numeric suffix. */
const TAGS = [
    '1.0.0', '1.0.0-1', '1.0.0-2', '1.0.0-3',
    '1.1.0', '1.1.0-1',
    '2.0.0', '2.0.0-1', '2.0.0-2',
    'jammy-20240530', 'jammy-20240530-1',
    'latest',
    '3.0.0', '3.0.0-patched',
    '4.0.0', '4.0.0-10', '4.0.0-9',
    '5.0.0', '5.0.0-1', '5.0.0-2',
];
const EXPLICIT = ['1.0.0', '2.0.0', 'jammy-20240530', 'missing'];

function syntheticInventory(): Inventory {
    const repositories: Record<string, string[]> = {};
    for (let i = 0; i < REPOSITORIES; i++) repositories[`live/team${i % 50}/service-${i}`] = TAGS.slice();
    return { repositories };
}

function syntheticConfig(inventory: Inventory): PatchingConfig {
    const repositories = Object.keys(inventory.repositories).map((repository, i) => ({
        repository,
        tags: i % 2 === 0 ? ['*'] : EXPLICIT,
    }));
    const result = validatePatchingConfig({ version: 'v1', repositories });
    if (!result.ok) throw new Error(result.errors.slice(0, 5).join('\n'));
    return result.config;
}

/** An in-memory registry that serves tags page by page (`n`, `last`) and counts the requests. */
function pagedRegistry(inventory: Inventory): { source: TagSource; requests: () => number } {
    let requests = 0;
    const source = pagedTagSource(async (repository, { last, n }) => {
        requests++;
        const tags = inventory.repositories[repository] ?? [];
        const start = last === undefined ? 0 : tags.indexOf(last) + 1;
        return { tags: tags.slice(start, start + n), more: start + n < tags.length };
    }, TAG_PAGE_SIZE);
    return { source, requests: () => requests };
}

/** The baseline: list every tag of every configured repository, nothing else. */
async function listOnly(config: PatchingConfig, source: TagSource): Promise<number> {
    let count = 0;
    for (const filter of config.repositories) for await (const _tag of source.listTags(filter.repository)) count++;
    return count;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const start = process.hrtime.bigint();
    const value = await fn();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export interface PatchPlanBenchResult {
    repositories: number;
    tags: number;
    matches: number;
    notFound: number;
    validateConfigMs: number;
    baselineInventoryMs: number;
    planInventoryMs: number;
    baselinePagedMs: number;
    planPagedMs: number;
    pagedRequests: number;
    heapAfterPlanMb: number;
    peakRssMb: number;
    withinTargets: boolean;
}

export async function run(): Promise<PatchPlanBenchResult> {
    const inventory = syntheticInventory();
    const validated = await timed(async () => syntheticConfig(inventory));
    const config = validated.value;

    // Warm up once on a slice so the JIT does not bill the first measurement.
    await planPatchCycle({ ...config, repositories: config.repositories.slice(0, 200) }, inventoryTagSource(inventory));

    const baselineInventory = await timed(() => listOnly(config, inventoryTagSource(inventory)));
    const planInventory = await timed(() => planPatchCycle(config, inventoryTagSource(inventory)));

    const baselineRegistry = pagedRegistry(inventory);
    const baselinePaged = await timed(() => listOnly(config, baselineRegistry.source));
    const registry = pagedRegistry(inventory);
    const planPaged = await timed(() => planPatchCycle(config, registry.source));

    const heapAfterPlanMb = mb(process.memoryUsage().heapUsed);
    const peakRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB: the process's peak so far
    const plan = planPaged.value;
    const result: PatchPlanBenchResult = {
        repositories: config.repositories.length,
        tags: baselineInventory.value,
        matches: plan.matches.length,
        notFound: plan.notFound.length,
        validateConfigMs: validated.ms,
        baselineInventoryMs: baselineInventory.ms,
        planInventoryMs: planInventory.ms,
        baselinePagedMs: baselinePaged.ms,
        planPagedMs: planPaged.ms,
        pagedRequests: registry.requests(),
        heapAfterPlanMb,
        peakRssMb,
        withinTargets: planPaged.ms + validated.ms < TIME_TARGET_MS && peakRssMb < MEMORY_TARGET_MB,
    };

    const f = (n: number) => n.toFixed(1);
    console.log(`patch plan: ${result.repositories} repositories, ${result.tags} tags -> ${result.matches} matches, ${result.notFound} not found`);
    console.log(`  validate config (10,000 entries)   ${f(result.validateConfigMs)} ms`);
    console.log(`  inventory: baseline list ${f(result.baselineInventoryMs)} ms, plan ${f(result.planInventoryMs)} ms (x${f(result.planInventoryMs / result.baselineInventoryMs)})`);
    console.log(`  paged n=${TAG_PAGE_SIZE}: baseline list ${f(result.baselinePagedMs)} ms, plan ${f(result.planPagedMs)} ms (x${f(result.planPagedMs / result.baselinePagedMs)}), ${result.pagedRequests} requests (${f(result.pagedRequests / result.repositories)} per repository, baseline ${baselineRegistry.requests()})`);
    console.log(`  memory: heap after plan ${f(result.heapAfterPlanMb)} MB, peak RSS ${f(result.peakRssMb)} MB`);
    console.log(`  targets (< ${TIME_TARGET_MS} ms, < ${MEMORY_TARGET_MB} MB): ${result.withinTargets ? 'met' : 'MISSED'}`);
    return result;
}
