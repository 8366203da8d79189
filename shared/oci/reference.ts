/**
 * The OCI distribution grammar for names, tags and digests
 * (github.com/opencontainers/distribution-spec, "Pulling manifests"; docker/distribution
 * reference/regexp.go). Everything that later reaches an ACR Task definition, a KQL query, a
 * table key or a URL is validated here first, so a hostile name cannot inject anything.
 */

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const repositoryPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const registryPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;

/** Docker's limit on the full name; ACR documents 5-50 characters for a registry name itself. */
export const MAX_REPOSITORY_LENGTH = 255;

export type Validation = { ok: true } | { ok: false; reason: string };

const printable = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

export function checkRepository(name: string): Validation {
    if (name.length === 0) return { ok: false, reason: 'repository is empty' };
    if (name.length > MAX_REPOSITORY_LENGTH) return { ok: false, reason: `repository is longer than ${MAX_REPOSITORY_LENGTH} characters` };
    if (!repositoryPattern.test(name)) return { ok: false, reason: `repository ${printable(name)} is not a valid OCI repository name` };
    return { ok: true };
}

export function checkTag(tag: string): Validation {
    return tagPattern.test(tag) ? { ok: true } : { ok: false, reason: `tag ${printable(tag)} is not a valid OCI tag` };
}

export function checkDigest(digest: string): Validation {
    return digestPattern.test(digest)
        ? { ok: true }
        : { ok: false, reason: `digest ${printable(digest)} is not a valid sha256 or sha512 digest` };
}

export function checkRegistry(host: string): Validation {
    return registryPattern.test(host) && host.length <= 253
        ? { ok: true }
        : { ok: false, reason: `registry ${printable(host)} is not a valid host name` };
}

export const isRepository = (v: string) => checkRepository(v).ok;
export const isTag = (v: string) => checkTag(v).ok;
export const isDigest = (v: string) => checkDigest(v).ok;
export const isRegistry = (v: string) => checkRegistry(v).ok;

/** Throws with the reason unless the value is valid: for code paths that must never see bad input. */
export function assertValid(check: Validation): void {
    if (!check.ok) throw new TypeError(check.reason);
}
