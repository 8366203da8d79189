import type { ManifestReader, RawManifest } from '../oci/manifestReader';
import { assertValid, checkDigest, checkRepository } from '../oci/reference';
import { errorMessage } from '../errors/errorMessage';
import type { AcrConnection } from './acrConnection';
import { RegistryError } from './registry';
import { toRegistryError } from './restErrors';

/**
 * ManifestReader over ACR's data plane (`ContainerRegistryContentClient.getManifest`, /v2 with
 * ACR's token flow). The SDK asks for every manifest media type acr-guard judges (OCI and Docker
 * manifests and indexes), reads at most 4 MiB and checks the bytes against the digest asked for and
 * the Docker-Content-Digest header, so what is classified is exactly what was pushed.
 */
export class AcrManifestReader implements ManifestReader {
    constructor(private readonly acr: Pick<AcrConnection, 'content'>) {}

    async read(repository: string, digest: string): Promise<RawManifest> {
        try {
            assertValid(checkRepository(repository));
            assertValid(checkDigest(digest));
        } catch (err) {
            throw new RegistryError('invalid-input', errorMessage(err));
        }
        const operation = `read manifest ${repository}@${digest}`;
        try {
            const result = await this.acr.content(repository).getManifest(digest);
            return { digest: result.digest, contentType: result.mediaType, bytes: result.content };
        } catch (err) {
            // The SDK parses the JSON after checking the digest: bytes that are not JSON arrive here
            // as a SyntaxError; the pipeline's parseManifest would refuse them the same way.
            if (err instanceof SyntaxError) throw new RegistryError('unexpected-response', `${operation}: the manifest is not JSON: ${err.message}`);
            throw toRegistryError(err, operation);
        }
    }
}
