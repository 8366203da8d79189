import type { Validation } from './reference';

/**
 * An image platform as written in an OCI index / Docker manifest list (`platform.os`,
 * `platform.architecture`, `platform.variant`) and as people write it: `os/arch[/variant]`
 * (`linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`, `windows/amd64`). The string form reaches an ACR
 * Task value (Trivy's `--platform`) and policy files, so it is held to a strict grammar: lower-case
 * letters, digits and `.`/`_`/`-` inside a component, two or three components, nothing else.
 */
export interface Platform {
    readonly os: string;
    readonly architecture: string;
    readonly variant?: string | null;
}

const COMPONENT = '[a-z0-9]+(?:[._-][a-z0-9]+)*';
const MAX_COMPONENT = 32;
const PLATFORM_PATTERN = new RegExp(`^(${COMPONENT})/(${COMPONENT})(?:/(${COMPONENT}))?$`);

const printable = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

export function checkPlatform(text: string): Validation {
    const match = PLATFORM_PATTERN.exec(text);
    if (!match || match.slice(1).some((c) => c !== undefined && c.length > MAX_COMPONENT)) {
        return { ok: false, reason: `platform ${printable(text)} is not of the form os/arch[/variant] (lower-case letters, digits, . _ -)` };
    }
    return { ok: true };
}

export const isPlatform = (text: string) => checkPlatform(text).ok;

/** `os/arch[/variant]`, or null when a component is missing or would not pass {@link checkPlatform}. */
export function formatPlatform(platform: Platform): string | null {
    const text = [platform.os, platform.architecture, ...(platform.variant ? [platform.variant] : [])].join('/');
    return isPlatform(text) ? text : null;
}

/** The parts of a valid platform string; throws TypeError with the reason otherwise. */
export function parsePlatform(text: string): Platform {
    const check = checkPlatform(text);
    if (!check.ok) throw new TypeError(check.reason);
    const [os, architecture, variant] = text.split('/') as [string, string, string | undefined];
    return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/**
 * Whether a platform is on an allow list. An entry without a variant allows every variant of its
 * os/arch (`linux/arm64` allows `linux/arm64/v8`); an entry with one allows exactly that variant.
 * A platform that cannot be named (missing or malformed) is never allowed.
 */
export function isPlatformAllowed(platform: string | null, allow: readonly string[]): boolean {
    if (platform === null || !isPlatform(platform)) return false;
    const [os, architecture] = platform.split('/');
    return allow.some((entry) => entry === platform || entry === `${os}/${architecture}`);
}
