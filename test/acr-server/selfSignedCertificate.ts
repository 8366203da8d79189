// Moved to the local registry; kept here so test imports stay as they were.
export { createSelfSignedCertificate, type SelfSignedCertificate } from '../../local-registry/selfSignedCertificate';
