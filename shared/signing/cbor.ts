import * as cbor from 'cbor';

/*
 * CBOR (RFC 8949) for COSE envelopes, through node-cbor (`cbor`, pure JavaScript, CommonJS). Maps
 * always decode to Map, so COSE's integer labels stay numbers; a tag this library does not know
 * (COSE_Sign1 is 18) decodes to a Tagged value; tag 1 (epoch date/time) decodes to a Date.
 */

/** Decodes exactly one CBOR item; trailing bytes are an error. */
export function decodeCbor(bytes: Uint8Array): unknown {
    return cbor.decodeFirstSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { preferMap: true }) as unknown;
}

export function encodeCbor(value: unknown): Uint8Array {
    return cbor.encode(value);
}

/** The tagged item's content when `value` is CBOR tag `tag`, else undefined. */
export function taggedValue(value: unknown, tag: number): unknown {
    return value instanceof cbor.Tagged && value.tag === tag ? (value.value as unknown) : undefined;
}
