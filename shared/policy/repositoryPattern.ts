/**
 * Repository patterns in the gate policy. A pattern is matched LITERALLY, character for character,
 * except for two wildcards:
 * - `*`  matches any run of characters (possibly empty) inside one path component, never a `/`;
 * - `**` matches any run of characters (possibly empty), `/` included.
 * So `quarantine/team-a/*` matches `quarantine/team-a/api` but not `quarantine/team-a/x/api`, and
 * `quarantine/**` matches everything under `quarantine/`. There are no other special characters: the
 * pattern is never compiled to a regular expression, and matching is linear in pattern × name (no
 * catastrophic backtracking). Repository names are the path inside the registry, without the login server.
 */

/** Characters a pattern may hold: the OCI repository alphabet plus `*`. */
const PATTERN_CHARS = /^[a-z0-9._/*-]+$/;
export const MAX_PATTERN_LENGTH = 255;

/** Why a pattern is unusable, or null when it is fine. */
export function checkRepositoryPattern(pattern: string): string | null {
    if (pattern === '') return 'expected a repository pattern, got an empty string';
    if (pattern.length > MAX_PATTERN_LENGTH) return `a repository pattern is at most ${MAX_PATTERN_LENGTH} characters`;
    if (!PATTERN_CHARS.test(pattern)) return 'a repository pattern may contain only a-z 0-9 . _ - / and the wildcards * and **';
    if (pattern.includes('***')) return 'use * (within one path component) or ** (across components), not ***';
    return null;
}

type Token = { kind: 'char'; ch: string } | { kind: 'star' } | { kind: 'globstar' };

function tokenize(pattern: string): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < pattern.length; i++) {
        if (pattern[i] === '*') {
            if (pattern[i + 1] === '*') {
                tokens.push({ kind: 'globstar' });
                i++;
            } else tokens.push({ kind: 'star' });
        } else tokens.push({ kind: 'char', ch: pattern[i]! });
    }
    return tokens;
}

/** Does `repository` match `pattern` (see the rule above)? */
export function matchesRepositoryPattern(pattern: string, repository: string): boolean {
    const tokens = tokenize(pattern);
    const n = repository.length;
    // can[j]: the tokens consumed so far can match repository[0, j).
    let can = new Array<boolean>(n + 1).fill(false);
    can[0] = true;
    for (const t of tokens) {
        const next = new Array<boolean>(n + 1).fill(false);
        if (t.kind === 'char') {
            for (let j = 0; j < n; j++) if (can[j] && repository[j] === t.ch) next[j + 1] = true;
        } else {
            // A star extends any reachable prefix over following characters (not over '/' for `*`).
            for (let j = 0; j <= n; j++) {
                if (can[j] || (j > 0 && next[j - 1] && (t.kind === 'globstar' || repository[j - 1] !== '/'))) next[j] = true;
            }
        }
        can = next;
    }
    return can[n] === true;
}
