import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stand-in `trivy` executable (Trivy replaced at the process boundary): it records its command
 * line in $ARGV_FILE, pulls the manifest it was asked to scan from the registry over plain HTTP
 * (as Trivy would, failing like Trivy when it cannot), and writes the recorded real report in
 * $RECORDED_REPORT (../shared/fixtures/trivy) to --output, naming the image it scanned as Trivy
 * does. `trivy version --format json` prints a version document.
 */
const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'version') {
    process.stdout.write(JSON.stringify({ Version: '0.58.1', VulnerabilityDB: { Version: 2, UpdatedAt: '2026-01-02T06:13:07Z' } }));
    process.exit(0);
}
fs.writeFileSync(process.env.ARGV_FILE, JSON.stringify(args));
const ref = args[args.length - 1];
const [, host, repository, digest] = /^([^/]+)\\/(.+)@(sha256:[a-f0-9]{64})$/.exec(ref);
process.stderr.write('INFO\\tScanning ' + ref + '\\n');
fetch('http://' + host + '/v2/' + repository + '/manifests/' + digest).then((res) => {
    if (res.status !== 200 || res.headers.get('docker-content-digest') !== digest) {
        process.stderr.write('FATAL\\tcannot pull ' + ref + ': HTTP ' + res.status + '\\n');
        process.exit(1);
    }
    const report = JSON.parse(fs.readFileSync(process.env.RECORDED_REPORT, 'utf8'));
    report.ArtifactName = ref;
    report.Metadata = { ...report.Metadata, RepoDigests: [ref] };
    fs.writeFileSync(args[args.indexOf('--output') + 1], JSON.stringify(report));
});
`;

/** Writes the stand-in as `<dir>/trivy`. */
export function installStandInTrivy(dir: string): void {
    writeFileSync(join(dir, 'trivy'), script);
    chmodSync(join(dir, 'trivy'), 0o755);
}
