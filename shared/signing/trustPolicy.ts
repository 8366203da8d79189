/**
 * The Notary Project OCI trust policy document (trust-store-trust-policy.md "Trust Policy"):
 * parsed and validated with zod, the statement for an artifact selected by registry scope, trusted
 * identities matched against the signing certificate's subject, and the enforce/log table of
 * "Signature Verification details" (with "Custom Verification Level" overrides).
 */
import { z } from 'zod';
import type { ParsedCertificate } from './certificateChain';
import { TRUST_STORE_TYPES } from './trustStore';

export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';
export type Validation = 'authenticity' | 'authenticTimestamp' | 'expiry' | 'revocation';
export type Action = 'enforce' | 'log' | 'skip';

const trustStoreReference = z.string().refine((value) => {
    const [type, name, ...rest] = value.split(':');
    return rest.length === 0 && name !== undefined && name.length > 0 && (TRUST_STORE_TYPES as readonly string[]).includes(type ?? '');
}, { message: 'a trust store must be written <TrustStoreType>:<TrustStoreName> with type ca, signingAuthority or tsa' });

const statementSchema = z.object({
    name: z.string().min(1),
    registryScopes: z.array(z.string().min(1)).min(1),
    signatureVerification: z.object({
        level: z.enum(['strict', 'permissive', 'audit', 'skip']),
        override: z.object({
            authenticity: z.enum(['enforce', 'log']).optional(),
            authenticTimestamp: z.enum(['enforce', 'log']).optional(),
            expiry: z.enum(['enforce', 'log']).optional(),
            revocation: z.enum(['enforce', 'log', 'skip']).optional(),
        }).strict().optional(),
        verifyTimestamp: z.enum(['always', 'afterCertExpiry']).optional(),
    }),
    trustStores: z.array(trustStoreReference).optional(),
    trustedIdentities: z.array(z.string().min(1)).optional(),
});

const documentSchema = z.object({
    version: z.literal('1.0'),
    trustPolicies: z.array(statementSchema).min(1),
});

export type TrustPolicyStatement = z.infer<typeof statementSchema>;
export type TrustPolicyDocument = z.infer<typeof documentSchema>;

/** Parses and validates a trust policy; throws with every reason it is not a valid one. */
export function parseTrustPolicy(input: unknown): TrustPolicyDocument {
    const document = documentSchema.parse(input);
    const problems: string[] = [];
    const names = new Set<string>();
    const scopes = new Set<string>();
    let globals = 0;
    for (const statement of document.trustPolicies) {
        if (names.has(statement.name)) problems.push(`trust policy statement name "${statement.name}" is used twice`);
        names.add(statement.name);
        // "Registry Scopes Constraints": either one `*` or fully qualified repositories without `*`.
        if (statement.registryScopes.includes('*')) {
            if (statement.registryScopes.length > 1) problems.push(`statement "${statement.name}": the global scope * must be the only scope`);
            globals += 1;
            if (statement.signatureVerification.level === 'skip') problems.push(`statement "${statement.name}": level skip cannot be used with the global scope *`);
        }
        for (const scope of statement.registryScopes) {
            if (scope === '*') continue;
            if (scope.includes('*')) problems.push(`statement "${statement.name}": scope "${scope}" must not contain *`);
            else if (!scope.includes('/')) problems.push(`statement "${statement.name}": scope "${scope}" is not a fully qualified repository (registry/repository)`);
            if (scopes.has(scope)) problems.push(`scope "${scope}" appears in more than one statement`);
            scopes.add(scope);
        }
        if (statement.signatureVerification.level !== 'skip') {
            if (!statement.trustStores?.length) problems.push(`statement "${statement.name}": trustStores is required unless the level is skip`);
            if (!statement.trustedIdentities?.length) problems.push(`statement "${statement.name}": trustedIdentities is required unless the level is skip`);
            for (const identity of statement.trustedIdentities ?? []) {
                if (identity === '*') {
                    if (statement.trustedIdentities!.length > 1) problems.push(`statement "${statement.name}": * must be the only trusted identity`);
                } else {
                    const parsed = parseTrustedIdentity(identity);
                    if (typeof parsed === 'string') problems.push(`statement "${statement.name}": ${parsed}`);
                }
            }
        }
    }
    if (globals > 1) problems.push('only one statement may use the global scope *');
    if (problems.length > 0) throw new Error(`invalid trust policy: ${problems.join('; ')}`);
    return document;
}

/** "Selecting a trust policy based on artifact URI": an exact scope first, else the global one, else none. */
export function selectStatement(document: TrustPolicyDocument, repositoryUri: string): TrustPolicyStatement | null {
    return document.trustPolicies.find((statement) => statement.registryScopes.includes(repositoryUri))
        ?? document.trustPolicies.find((statement) => statement.registryScopes.includes('*'))
        ?? null;
}

const LEVELS: Record<Exclude<VerificationLevel, 'skip'>, Record<Validation, Action>> = {
    strict: { authenticity: 'enforce', authenticTimestamp: 'enforce', expiry: 'enforce', revocation: 'enforce' },
    permissive: { authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
    audit: { authenticity: 'log', authenticTimestamp: 'log', expiry: 'log', revocation: 'log' },
};

/** Whether a validation is enforced or only logged for a statement (integrity is always enforced). */
export function actionFor(statement: TrustPolicyStatement, validation: Validation): Action {
    const level = statement.signatureVerification.level;
    if (level === 'skip') return 'skip';
    return statement.signatureVerification.override?.[validation] ?? LEVELS[level][validation];
}

/**
 * "Trusted Identities Constraints": `x509.subject: C=US, ST=WA, O=acme` with `\,`, `\;`, `\\` and
 * `\ ` escapes; it must name C, ST and O. Returns the attributes, or the reason it is invalid.
 */
export function parseTrustedIdentity(identity: string): Array<[string, string]> | string {
    const prefix = 'x509.subject:';
    if (!identity.startsWith(prefix)) return `trusted identity "${identity}" does not start with x509.subject:`;
    const attributes: Array<[string, string]> = [];
    let current = '';
    const parts: string[] = [];
    const body = identity.slice(prefix.length);
    for (let index = 0; index < body.length; index += 1) {
        const character = body[index]!;
        if (character === '\\' && index + 1 < body.length) {
            current += `\uE000${body[index + 1]}`;
            index += 1;
        } else if (character === ',') {
            parts.push(current);
            current = '';
        } else {
            current += character;
        }
    }
    parts.push(current);
    for (const part of parts) {
        // Unescaped spaces around a value are not part of it; escaped ones (\0 marker) are.
        const trimmed = part.replace(/^ +/, '').replace(/(?<!\uE000) +$/, '');
        const at = trimmed.indexOf('=');
        if (at <= 0) return `trusted identity "${identity}" has an RDN without type=value`;
        attributes.push([trimmed.slice(0, at).trim().toUpperCase(), trimmed.slice(at + 1).replace(/\uE000(.)/g, '$1')]);
    }
    const types = new Set(attributes.map(([type]) => type));
    for (const required of ['C', 'ST', 'O']) if (!types.has(required)) return `trusted identity "${identity}" must name C, ST and O`;
    return attributes;
}

/** True when the signing certificate's subject carries every attribute an identity names. */
export function matchesTrustedIdentities(statement: TrustPolicyStatement, leaf: ParsedCertificate): boolean {
    const identities = statement.trustedIdentities ?? [];
    if (identities.includes('*')) return true;
    const subject = leaf.subjectAttributes.map(([type, value]) => [type.toUpperCase(), value] as const);
    return identities.some((identity) => {
        const attributes = parseTrustedIdentity(identity);
        if (typeof attributes === 'string') return false;
        return attributes.every(([type, value]) => subject.some(([subjectType, subjectValue]) => subjectType === type && subjectValue === value));
    });
}
