/**
 * `fn` run once and its promise shared by every caller, until it fails: a rejected attempt is
 * forgotten (its callers see the error) so the next call tries again. For "create the queue or
 * table on first use" (a no-op where infra/ already did; Azurite starts empty).
 */
export function onceUntilSuccess<T>(fn: () => Promise<T>): () => Promise<T> {
    let pending: Promise<T> | undefined;
    return () =>
        (pending ??= fn().catch((err: unknown) => {
            pending = undefined;
            throw err;
        }));
}
