/**
 * cbor-x, loaded through its CommonJS build. Its package.json points TypeScript's `require` types at
 * a file it does not publish (index.d.cts), so under `module: Node16` a plain import is refused; the
 * CJS build (dist/node.cjs, what Node's `require` resolves to) is required here and typed from the
 * package's ESM declarations.
 */
import { createRequire } from 'node:module';

type CborX = typeof import('cbor-x', { with: { 'resolution-mode': 'import' } });
const cborX = createRequire(__filename)('cbor-x') as CborX;

export const { Decoder, Encoder, Tag } = cborX;
export type Tag = InstanceType<CborX['Tag']>;
