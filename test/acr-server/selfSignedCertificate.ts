import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away certificate and key (PEM) for https://127.0.0.1 and https://localhost. */
export interface SelfSignedCertificate {
    readonly cert: string;
    readonly key: string;
}

/**
 * Why HTTPS at all: both `@azure/container-registry` and `@azure/arm-containerregistry` authenticate
 * with core-rest-pipeline's `bearerTokenAuthenticationPolicy`, which refuses any non-https URL
 * ("Bearer token authentication is not permitted for non-TLS protected (non-https) URLs."). So the
 * test server speaks TLS with a certificate made here, once per server, by the `openssl` CLI
 * (present on Debian and in CI images). Clients trust it through their own pipeline option
 * `tlsOptions: { ca }`; nothing disables verification process-wide.
 */
export function createSelfSignedCertificate(): SelfSignedCertificate {
    const dir = mkdtempSync(join(tmpdir(), 'acr-server-tls-'));
    try {
        const keyPath = join(dir, 'key.pem');
        const certPath = join(dir, 'cert.pem');
        execFileSync(
            'openssl',
            [
                'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=acr-test-server',
                '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
                '-addext', 'basicConstraints=critical,CA:TRUE',
            ],
            { stdio: 'pipe' },
        );
        return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
