/**
 * The gate's signature criterion over several kinds of signature (Notary Project, Sigstore): valid
 * when any verifier finds a valid signature; otherwise error when any could not tell (fail closed),
 * else invalid with every reason.
 */
import type { SignatureSubject, SignatureVerdict, SignatureVerifier } from './ports';

export class AnySignatureVerifier implements SignatureVerifier {
    constructor(private readonly verifiers: SignatureVerifier[]) {
        if (verifiers.length === 0) throw new Error('AnySignatureVerifier needs at least one verifier');
    }

    async verify(subject: SignatureSubject): Promise<SignatureVerdict> {
        const verdicts: SignatureVerdict[] = [];
        for (const verifier of this.verifiers) {
            let verdict: SignatureVerdict;
            try {
                verdict = await verifier.verify(subject);
            } catch (error) {
                verdict = { verdict: 'error', reason: `the verifier failed: ${(error as Error).message}`, signer: null };
            }
            if (verdict.verdict === 'valid') return verdict;
            verdicts.push(verdict);
        }
        return {
            verdict: verdicts.some((verdict) => verdict.verdict === 'error') ? 'error' : 'invalid',
            reason: verdicts.map((verdict) => verdict.reason).join('; '),
            signer: null,
        };
    }
}
