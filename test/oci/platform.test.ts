import { describe, expect, it } from 'vitest';
import { checkPlatform, formatPlatform, isPlatformAllowed, parsePlatform } from '../../shared/oci/platform';

describe('platform grammar os/arch[/variant]', () => {
    it.each(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'windows/amd64', 'linux/ppc64le', 'linux/s390x', 'linux/386', 'linux/mips64le', 'wasi/wasm'])('accepts %s', (p) => {
        expect(checkPlatform(p)).toEqual({ ok: true });
        expect(formatPlatform(parsePlatform(p))).toBe(p);
    });

    it.each([
        'linux',
        'linux/',
        '/amd64',
        'linux/amd64/v8/extra',
        'LINUX/AMD64',
        'linux/amd64 ',
        'linux/amd64;rm -rf /',
        'linux/amd64\n  - cmd: evil',
        'linux/$(id)',
        'linux/{{.Values.x}}',
        '../../etc',
        'linux/amd64/',
        `linux/${'a'.repeat(33)}`,
        '',
    ])('refuses %j', (p) => {
        const check = checkPlatform(p);
        expect(check.ok).toBe(false);
        expect(() => parsePlatform(p)).toThrow(/is not of the form os\/arch\[\/variant\]/);
    });

    it('formatPlatform returns null for a platform it cannot name', () => {
        expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
        expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: null })).toBe('linux/arm64');
        expect(formatPlatform({ os: 'Linux', architecture: 'amd64' })).toBeNull();
        expect(formatPlatform({ os: '', architecture: 'amd64' })).toBeNull();
    });

    it('an allow entry without a variant allows every variant; with one, exactly it; unnamed platforms never', () => {
        const allow = ['linux/amd64', 'linux/arm/v7'];
        expect(isPlatformAllowed('linux/amd64', allow)).toBe(true);
        expect(isPlatformAllowed('linux/amd64/v3', allow)).toBe(true);
        expect(isPlatformAllowed('linux/arm/v7', allow)).toBe(true);
        expect(isPlatformAllowed('linux/arm/v6', allow)).toBe(false);
        expect(isPlatformAllowed('linux/arm64', allow)).toBe(false);
        expect(isPlatformAllowed(null, allow)).toBe(false);
        expect(isPlatformAllowed('linux/AMD64', ['linux/AMD64'])).toBe(false);
    });
});
