/**
 * Table keys for gate rows. A digest (`sha256:<hex>`) is a valid key as is; a repository path is
 * not (`/` is forbidden in PartitionKey/RowKey), so `/` becomes `|`, which the OCI repository
 * grammar never contains: the mapping is reversible and collision-free.
 */
export const repositoryKey = (repository: string) => repository.replace(/\//g, '|');
export const repositoryFromKey = (key: string) => key.replace(/\|/g, '/');
