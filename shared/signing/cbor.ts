/**
 * cbor-x, loaded through its CommonJS build. Its package.json points TypeScript's `require` types at
 * a file it does not publish (index.d.cts), so under `module: Node16` a plain import is refused; the
 * CJS build (dist/node.cjs, what Node's `require` resolves to) is required here and typed from the
 * package's ESM declarations.
 */
type CborX = typeof import('cbor-x', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cborX = require('cbor-x') as CborX;

export const { Decoder, Encoder, Tag } = cborX;
export type Tag = InstanceType<CborX['Tag']>;
