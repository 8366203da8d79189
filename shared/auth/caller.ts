/**
 * Who called an HTTP endpoint. `entra`: a validated Microsoft Entra access token (its object id is
 * the stable identity; `upn` for people, `appid` for applications and managed identities).
 * `function-key`: Entra auth is off (local use), so the function key was the only check and the
 * caller is unknown.
 */
export type Caller =
    | {
          readonly kind: 'entra';
          /** `oid`: the caller's object id in the tenant (user, service principal or managed identity). */
          readonly oid: string;
          readonly tid: string;
          /** `upn` (v1) or `preferred_username` (v2) of a user. */
          readonly upn?: string;
          /** `appid` (v1) or `azp` (v2): the client application the token was issued to. */
          readonly appid?: string;
          readonly name?: string;
      }
    | { readonly kind: 'function-key' };

/** One line for ledgers and logs: `entra oid=… upn=… appid=…` or `function-key (Entra auth off)`. */
export function describeCaller(caller: Caller): string {
    if (caller.kind === 'function-key') return 'function-key (Entra auth off)';
    return ['entra', `oid=${caller.oid}`, caller.upn ? `upn=${caller.upn}` : '', caller.appid ? `appid=${caller.appid}` : ''].filter(Boolean).join(' ');
}
