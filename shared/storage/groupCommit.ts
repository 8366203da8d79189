/**
 * Group commit: concurrent callers submit single items; items that arrive while a batch is in
 * flight are sent together as the next batch. A lone caller is sent at once (no timer, no added
 * latency); under load, N concurrent events cost about N / batch round trips instead of N.
 * `run` answers per item, in order, with a value or an Error, so one bad item fails only itself.
 */
export class GroupCommit<I, O> {
    private readonly waiting: Array<{ item: I; resolve: (value: O) => void; reject: (err: unknown) => void }> = [];
    private inFlight = 0;

    constructor(
        private readonly run: (items: I[]) => Promise<Array<O | Error>>,
        private readonly options: { readonly maxBatch: number; readonly maxInFlight: number },
    ) {}

    submit(item: I): Promise<O> {
        return new Promise<O>((resolve, reject) => {
            this.waiting.push({ item, resolve, reject });
            this.pump();
        });
    }

    private pump(): void {
        while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
            const batch = this.waiting.splice(0, this.options.maxBatch);
            this.inFlight += 1;
            this.run(batch.map((b) => b.item))
                .then(
                    (results) =>
                        batch.forEach((b, i) => {
                            const result = results[i];
                            if (result instanceof Error) b.reject(result);
                            else if (i >= results.length) b.reject(new Error('group commit: no result for an item'));
                            else b.resolve(result as O);
                        }),
                    (err: unknown) => batch.forEach((b) => b.reject(err)),
                )
                .finally(() => {
                    this.inFlight -= 1;
                    this.pump();
                });
        }
    }
}
