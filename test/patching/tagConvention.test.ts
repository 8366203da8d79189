import { describe, expect, it } from 'vitest';
import {
    classifyTag,
    isPatchOf,
    isReservedConfigTag,
    latestPatchTag,
    MAX_PATCH_NUMBER,
    nextPatchTag,
    PATCH_LIMIT_MESSAGE,
} from '../../shared/patching/tagConvention';

describe('reserved tags (az acr supply-chain: `.*-patched$` or `.*-[0-9]{1,3}$`)', () => {
    it.each(['jammy-patched', 'jammy-1', 'jammy-999', 'jammy-0', 'jammy-01', '8.0-1'])('%s is reserved', (tag) => {
        expect(isReservedConfigTag(tag)).toBe(true);
    });
    it.each(['jammy', 'jammy-20240530', 'jammy-1000', '1.0.0', 'patched', 'x-patched2', 'latest'])('%s is an original tag', (tag) => {
        expect(isReservedConfigTag(tag)).toBe(false);
    });
});

describe('classifyTag (acr-cli grouping under "*")', () => {
    it('incremental: -1..-999 are patches, a longer numeric suffix belongs to the original', () => {
        expect(classifyTag('jammy-3', 'incremental')).toEqual({ kind: 'patch', original: 'jammy', number: 3 });
        expect(classifyTag('jammy-999', 'incremental')).toEqual({ kind: 'patch', original: 'jammy', number: 999 });
        expect(classifyTag('jammy-1000', 'incremental')).toEqual({ kind: 'original', original: 'jammy-1000' });
        expect(classifyTag('jammy-20240530', 'incremental')).toEqual({ kind: 'original', original: 'jammy-20240530' });
        expect(classifyTag('jammy-20240530-2', 'incremental')).toEqual({ kind: 'patch', original: 'jammy-20240530', number: 2 });
        // acr-cli's patch regex needs a leading digit 1-9: `-0`/`-01` are not patches when listed.
        expect(classifyTag('jammy-0', 'incremental')).toEqual({ kind: 'original', original: 'jammy-0' });
        expect(classifyTag('jammy-01', 'incremental')).toEqual({ kind: 'original', original: 'jammy-01' });
    });
    it('incremental ignores floating patch tags and vice versa', () => {
        expect(classifyTag('jammy-patched', 'incremental')).toEqual({ kind: 'other-convention', original: 'jammy' });
        expect(classifyTag('jammy-patched', 'floating')).toEqual({ kind: 'patch', original: 'jammy', number: 0 });
        expect(classifyTag('jammy-2', 'floating')).toEqual({ kind: 'other-convention', original: 'jammy' });
    });
});

describe('isPatchOf matches literally', () => {
    it('dots in a tag are not wildcards', () => {
        expect(isPatchOf('1.0.0-1', '1.0.0', 'incremental')).toBe(true);
        expect(isPatchOf('1x0x0-1', '1.0.0', 'incremental')).toBe(false);
        expect(isPatchOf('1.0.0.1-1', '1.0.0', 'incremental')).toBe(false);
    });
    it('a tag cannot act as a pattern (valid OCI tags only hold . _ - but the code must not care)', () => {
        expect(isPatchOf('a+b-1', 'a+b', 'incremental')).toBe(true);
        expect(isPatchOf('aab-1', 'a+b', 'incremental')).toBe(false);
        expect(isPatchOf('anything-1', '.*', 'incremental')).toBe(false);
        expect(isPatchOf('x-patched', '*', 'floating')).toBe(false);
        expect(isPatchOf('v1_2-patched', 'v1_2', 'floating')).toBe(true);
        expect(isPatchOf('v1_2-patched2', 'v1_2', 'floating')).toBe(false);
    });
});

describe('latestPatchTag', () => {
    it('compares patch numbers numerically (ACR compareTags), not as strings', () => {
        expect(latestPatchTag('1.0', ['1.0', '1.0-9', '1.0-10', '1.0-2'], 'incremental')).toBe('1.0-10');
    });
    it('ignores other originals and the other convention', () => {
        expect(latestPatchTag('jammy', ['jammy-20240530-5', 'jammy-patched', 'jammy-1'], 'incremental')).toBe('jammy-1');
        expect(latestPatchTag('jammy', ['jammy-1', 'jammy-patched'], 'floating')).toBe('jammy-patched');
    });
    it('is null without patches', () => {
        expect(latestPatchTag('jammy', ['jammy', 'jammy-20240530'], 'incremental')).toBeNull();
    });
});

describe('nextPatchTag', () => {
    it('documented incremental example: jammy-2 -> jammy-3, jammy-20240530-2 -> jammy-20240530-3', () => {
        expect(nextPatchTag('jammy', 'jammy-2', 'incremental')).toEqual({ ok: true, tag: 'jammy-3' });
        expect(nextPatchTag('jammy-20240530', 'jammy-20240530-2', 'incremental')).toEqual({ ok: true, tag: 'jammy-20240530-3' });
    });
    it('first patch is X-1; a long numeric suffix is part of the original', () => {
        expect(nextPatchTag('jammy-20240530', null, 'incremental')).toEqual({ ok: true, tag: 'jammy-20240530-1' });
    });
    it('stops at the 999 cap with ACR\'s message', () => {
        expect(nextPatchTag('1.0', '1.0-998', 'incremental')).toEqual({ ok: true, tag: '1.0-999' });
        expect(nextPatchTag('1.0', `1.0-${MAX_PATCH_NUMBER}`, 'incremental')).toEqual({ ok: false, error: PATCH_LIMIT_MESSAGE });
        expect(PATCH_LIMIT_MESSAGE).toMatch(/^New Patch tag is greater than 999\./);
    });
    it('floating is always X-patched, first time and after', () => {
        expect(nextPatchTag('jammy', null, 'floating')).toEqual({ ok: true, tag: 'jammy-patched' });
        expect(nextPatchTag('jammy', 'jammy-patched', 'floating')).toEqual({ ok: true, tag: 'jammy-patched' });
    });
    it('refuses a patch tag longer than the 128 characters of an OCI tag', () => {
        const original = 'a'.repeat(127);
        const next = nextPatchTag(original, null, 'incremental');
        expect(next.ok).toBe(false);
        if (!next.ok) expect(next.error).toMatch(/longer than the 128 characters/);
    });
    it('rejects a latest tag that is not a patch of the original', () => {
        expect(nextPatchTag('1.0', '2.0-3', 'incremental').ok).toBe(false);
    });
});
