import { randomUUID } from 'node:crypto';
import { digestOf } from './contentStore';
import { DistributionError } from './distributionErrors';

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

interface Session {
    readonly repository: string;
    readonly chunks: Buffer[];
    size: number;
}

/**
 * Blob upload sessions of the distribution API ("Pushing blobs"): POST opens one, PATCH appends
 * a chunk in order (Content-Range `start-end`, else 416 with the current Range), PUT closes it
 * with the whole blob's `digest`, which is verified against the bytes received (DIGEST_INVALID
 * on a mismatch, SIZE_INVALID when Content-Length disagrees with the body).
 */
export class BlobUploads {
    private readonly sessions = new Map<string, Session>();

    open(repository: string): string {
        const id = randomUUID();
        this.sessions.set(id, { repository, chunks: [], size: 0 });
        return id;
    }

    /** The session, or BLOB_UPLOAD_UNKNOWN (404) for an unknown one or one of another repository. */
    session(repository: string, id: string): Session {
        const session = this.sessions.get(id);
        if (!session || session.repository !== repository) throw new DistributionError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
        return session;
    }

    /** The spec's `Range: 0-<end of range>` of what was received so far (`0-0` when nothing was). */
    range(session: Session): string {
        return `0-${Math.max(0, session.size - 1)}`;
    }

    append(repository: string, id: string, chunk: Buffer, contentRange: string | undefined): Session {
        const session = this.session(repository, id);
        if (contentRange !== undefined) {
            const m = /^(?:bytes[= ])?([0-9]+)-([0-9]+)(?:\/[0-9*]+)?$/.exec(contentRange.trim());
            const start = m ? Number(m[1]) : NaN;
            const end = m ? Number(m[2]) : NaN;
            if (!m || start !== session.size || end - start + 1 !== chunk.length) {
                throw new DistributionError(416, 'BLOB_UPLOAD_INVALID', `chunk ${contentRange} does not continue the upload at byte ${session.size}`, null, {
                    Range: this.range(session),
                    'Blob-Upload-Session-ID': id,
                });
            }
        }
        session.chunks.push(chunk);
        session.size += chunk.length;
        return session;
    }

    /** Closes the session; returns the verified bytes. The session is gone either way. */
    complete(repository: string, id: string, digest: string | null, lastChunk: Buffer, contentRange: string | undefined): Buffer {
        if (lastChunk.length > 0) this.append(repository, id, lastChunk, contentRange);
        const session = this.session(repository, id);
        this.sessions.delete(id);
        return verifiedBlob(Buffer.concat(session.chunks), digest);
    }

    cancel(repository: string, id: string): void {
        this.session(repository, id);
        this.sessions.delete(id);
    }
}

/** The bytes, when `digest` is a well-formed digest of them; DIGEST_INVALID (400) otherwise. */
export function verifiedBlob(bytes: Buffer, digest: string | null): Buffer {
    if (!digest || !DIGEST.test(digest)) {
        throw new DistributionError(400, 'DIGEST_INVALID', `the digest parameter ${JSON.stringify(digest ?? '')} is missing or not a sha256/sha512 digest`, { digest });
    }
    const actual = digestOf(bytes, digest.slice(0, digest.indexOf(':')));
    if (actual !== digest) {
        throw new DistributionError(400, 'DIGEST_INVALID', `provided digest did not match uploaded content: got ${actual}`, { digest, actual });
    }
    return bytes;
}
