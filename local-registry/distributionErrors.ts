/**
 * An error answer of the distribution API (and ACR's data plane, which uses the same envelope):
 * `{"errors":[{"code","message","detail"}]}` with the spec's codes (distribution-spec "Error Codes").
 */
export class DistributionError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly detail: unknown = null,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }

    get body(): unknown {
        return { errors: [{ code: this.code, message: this.message, detail: this.detail }] };
    }
}
