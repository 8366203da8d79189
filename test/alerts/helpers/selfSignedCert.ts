import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throw-away self-signed certificate for 127.0.0.1 (openssl; node:crypto cannot issue X.509).
 * The Azure SDK refuses bearer tokens over plain http, so a local Event Grid stand-in must speak
 * TLS; the client trusts this one certificate through its own tlsOptions, not a global switch.
 */
export function selfSignedCertificate(): { key: string; cert: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'acr-guard-alerts-tls-'));
    try {
        const key = path.join(dir, 'key.pem');
        const cert = path.join(dir, 'cert.pem');
        execFileSync(
            'openssl',
            ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
                '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
            { stdio: 'pipe' },
        );
        return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
