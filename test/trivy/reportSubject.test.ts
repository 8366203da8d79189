import { describe, expect, it } from 'vitest';
import { reportSubjectMismatch } from '../../shared/trivy/reportSubject';

const digest = `sha256:${'a'.repeat(64)}`;
const other = `sha256:${'b'.repeat(64)}`;

describe('reportSubjectMismatch', () => {
    it('accepts a report whose ArtifactName or RepoDigests name the digest', () => {
        expect(reportSubjectMismatch({ artifactName: `contoso.azurecr.io/quarantine/app@${digest}`, repoDigests: [] }, digest)).toBeNull();
        expect(reportSubjectMismatch({ artifactName: 'contoso.azurecr.io/quarantine/app:1.0', repoDigests: [`contoso.azurecr.io/quarantine/app@${digest}`] }, digest)).toBeNull();
    });

    it('rejects a report of another image, or one that names no image, saying what it names', () => {
        expect(reportSubjectMismatch({ artifactName: `contoso.azurecr.io/quarantine/app@${other}`, repoDigests: [`x@${other}`] }, digest)).toMatch(new RegExp(`names "contoso.azurecr.io/quarantine/app@${other}".*not ${digest}`));
        expect(reportSubjectMismatch({ artifactName: null, repoDigests: [] }, digest)).toMatch(/names no image at all/);
        // A digest that is only a prefix of the named one does not count.
        expect(reportSubjectMismatch({ artifactName: `r/a@${digest}0`, repoDigests: [] }, digest)).not.toBeNull();
    });
});
