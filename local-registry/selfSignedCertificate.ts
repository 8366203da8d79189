import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * local registry speaks TLS with a certificate made here, once per server (or once per data
 * directory, kept in `<dataDir>/tls/` so a client told to trust it keeps trusting it), by the `openssl` CLI
 * (present on Debian and in CI images). Clients trust it through their own pipeline option
 * `tlsOptions: { ca }`; nothing disables verification process-wide.
 */
export function createSelfSignedCertificate(dataDir?: string): SelfSignedCertificate {
    if (dataDir) {
        const tls = join(dataDir, 'tls');
        const [certPath, keyPath] = [join(tls, 'cert.pem'), join(tls, 'key.pem')];
        if (existsSync(certPath) && existsSync(keyPath)) return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
        const made = makeCertificate(365);
        mkdirSync(tls, { recursive: true });
        writeFileSync(keyPath, made.key, { mode: 0o600 });
        writeFileSync(certPath, made.cert);
        return made;
    }
    return makeCertificate(2);
}

function makeCertificate(days: number): SelfSignedCertificate {
    const dir = mkdtempSync(join(tmpdir(), 'local-registry-tls-'));
    try {
        const keyPath = join(dir, 'key.pem');
        const certPath = join(dir, 'cert.pem');
        execFileSync(
            'openssl',
            [
                'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                '-keyout', keyPath, '-out', certPath, '-days', String(days), '-subj', '/CN=acr-guard-local-registry',
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
