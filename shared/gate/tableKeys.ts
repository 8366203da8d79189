/**
 * Table keys for gate rows. A digest (`sha256:<hex>`) is a valid key as is; a repository path is
 * not (`/` is forbidden in PartitionKey/RowKey), so `/` becomes `|`, which the OCI repository
 * grammar never contains: the mapping is reversible and collision-free.
 */
export const repositoryKey = (repository: string) => repository.replace(/\//g, '|');
export const repositoryFromKey = (key: string) => key.replace(/\|/g, '/');

/** True for a 409 (entity exists) or 412 (ETag mismatch) from Table storage. */
export function isConflict(err: unknown): boolean {
    const status = (err as { statusCode?: number } | null)?.statusCode;
    return status === 409 || status === 412;
}

export function isNotFound(err: unknown): boolean {
    return (err as { statusCode?: number } | null)?.statusCode === 404;
}
