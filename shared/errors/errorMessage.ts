/** The message of anything thrown: an Error's message, else its text. For logs and recorded reasons. */
export function errorMessage(err: unknown): string {
    if (err instanceof Error) return err.message;
    if (typeof err === 'string') return err;
    try {
        return JSON.stringify(err) ?? String(err);
    } catch {
        return String(err);
    }
}
