import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from '../acr-server/selfSignedCertificate';

/**
 * A local stand-in for Log Analytics' query API, as `@azure/monitor-query-logs` calls it for
 * `queryResource`: `POST {endpoint}/v1/{resourceId}/query` with a bearer token and a JSON body
 * `{ query, timespan: "start/end" }`, answered with `{ tables: [{ name, columns: [{name, type}],
 * rows }] }` (https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format).
 *
 * What it evaluates, honestly: it does NOT run KQL. It answers the reconciler's and the pull
 * selection's query shapes from the rows a test seeds into `ContainerRegistryRepositoryEvents`,
 * filtered by the request's timespan and by the `TimeGenerated >= datetime(..) and TimeGenerated <
 * datetime(..)`, `Repository startswith "<prefix>"`, `OperationName =~ "Push" or =~ "importImage"`,
 * `OperationName == "<op>"` and `take N` clauses it finds in the query text, projected to the
 * `project` column list or grouped by a `summarize` of max()/count()/take_any(). Tests assert the
 * query text it received (`requests`) to check the rest. HTTPS only (the SDK refuses
 * bearer tokens over http); clients trust `ca` through their own `tlsOptions`.
 */

export interface RepositoryEventRow {
    readonly TimeGenerated: string;
    readonly OperationName: string;
    readonly Repository: string;
    readonly Tag?: string;
    readonly Digest?: string;
    readonly LoginServer?: string;
    readonly Identity?: string;
    readonly UserAgent?: string;
    readonly CallerIpAddress?: string;
    readonly CorrelationId?: string;
    readonly ResultDescription?: string;
    readonly MediaType?: string;
}

export interface LogsQueryRequest {
    readonly path: string;
    /** The resource id the path names (`/subscriptions/...`). */
    readonly resourceId: string;
    readonly authorization: string | undefined;
    readonly prefer: string | undefined;
    readonly query: string;
    readonly timespan: string | undefined;
}

export interface LogAnalyticsServer {
    readonly url: string;
    readonly ca: string;
    readonly requests: LogsQueryRequest[];
    /** Adds rows to the registry's ContainerRegistryRepositoryEvents table. */
    seed(resourceId: string, rows: readonly RepositoryEventRow[]): void;
    /** The next answer is this error instead (status, ARM-style error body). */
    failNext(status: number, code: string, message: string): void;
    close(): Promise<void>;
}

const STRING_COLUMNS = ['OperationName', 'LoginServer', 'Repository', 'Tag', 'Digest', 'Identity', 'UserAgent', 'CallerIpAddress', 'CorrelationId', 'ResultDescription', 'MediaType'];

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}

function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
}

const error = (code: string, message: string) => ({ error: { code, message, innererror: { code, message } } });

export async function startLogAnalyticsServer(): Promise<LogAnalyticsServer> {
    const { cert, key } = createSelfSignedCertificate();
    const tables = new Map<string, RepositoryEventRow[]>();
    const requests: LogsQueryRequest[] = [];
    let nextFailure: { status: number; code: string; message: string } | undefined;

    const server: Server = createServer({ cert, key }, (req, res) => {
        void (async () => {
            const url = new URL(req.url ?? '/', 'https://localhost');
            // The documented resource-centric path: /v1/subscriptions/.../query (no doubled slash).
            const match = /^\/v1\/(subscriptions\/[^]+)\/query$/i.exec(url.pathname);
            if (req.method !== 'POST' || !match) return send(res, 404, error('PathNotFound', `no route for ${req.method} ${url.pathname}`));
            const authorization = req.headers.authorization;
            if (!authorization?.startsWith('Bearer ')) return send(res, 401, error('AuthorizationRequiredError', 'Valid authentication was not provided'));
            let body: { query?: unknown; timespan?: unknown };
            try {
                body = JSON.parse(await readBody(req)) as typeof body;
            } catch {
                return send(res, 400, error('BadArgumentError', 'The request had some invalid properties'));
            }
            const resourceId = `/${decodeURIComponent(match[1]!)}`;
            const query = typeof body.query === 'string' ? body.query : '';
            const timespan = typeof body.timespan === 'string' ? body.timespan : undefined;
            requests.push({ path: url.pathname, resourceId, authorization, prefer: req.headers.prefer as string | undefined, query, timespan });
            if (nextFailure) {
                const f = nextFailure;
                nextFailure = undefined;
                return send(res, f.status, error(f.code, f.message));
            }
            if (!/^\s*ContainerRegistryRepositoryEvents\b/.test(query)) return send(res, 400, error('SemanticError', 'the stand-in only answers ContainerRegistryRepositoryEvents queries'));
            return send(res, 200, answer(tables.get(resourceId.toLowerCase()) ?? [], query, timespan));
        })().catch((err: unknown) => send(res, 500, error('InternalServerError', (err as Error).message)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `https://127.0.0.1:${port}`,
        ca: cert,
        requests,
        seed(resourceId, rows) {
            const k = resourceId.toLowerCase();
            tables.set(k, [...(tables.get(k) ?? []), ...rows]);
        },
        failNext(status, code, message) {
            nextFailure = { status, code, message };
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

function answer(rows: readonly RepositoryEventRow[], query: string, timespan: string | undefined) {
    let selected = [...rows];
    const inRange = (t: string, from: number, to: number) => {
        const at = Date.parse(t);
        return at >= from && at < to;
    };
    if (timespan) {
        const [from, to] = timespan.split('/').map((s) => Date.parse(s));
        if (from !== undefined && to !== undefined && !Number.isNaN(from) && !Number.isNaN(to)) selected = selected.filter((r) => inRange(r.TimeGenerated, from, to + 1));
    }
    const window = /TimeGenerated >= datetime\(([^)]+)\) and TimeGenerated < datetime\(([^)]+)\)/.exec(query);
    if (window) selected = selected.filter((r) => inRange(r.TimeGenerated, Date.parse(window[1]!), Date.parse(window[2]!)));
    const prefix = /Repository startswith "([^"]*)"/.exec(query);
    if (prefix) selected = selected.filter((r) => r.Repository.toLowerCase().startsWith(prefix[1]!.toLowerCase()));
    if (/OperationName =~ "Push" or OperationName =~ "importImage"/.test(query)) selected = selected.filter((r) => /^(push|importimage)$/i.test(r.OperationName));
    // `==` is case-sensitive in KQL.
    const operation = /\|\s*where OperationName == "([^"]*)"/.exec(query);
    if (operation) selected = selected.filter((r) => r.OperationName === operation[1]);
    if (/isnotempty\(Digest\)/.test(query)) selected = selected.filter((r) => !!r.Digest);
    if (/not\(ResultDescription startswith "4" or ResultDescription startswith "5"\)/.test(query)) selected = selected.filter((r) => !/^[45]/.test(r.ResultDescription ?? ''));
    if (/order by TimeGenerated asc/.test(query)) selected.sort((a, b) => Date.parse(a.TimeGenerated) - Date.parse(b.TimeGenerated));
    const take = /\|\s*take (\d+)/.exec(query);
    if (take) selected = selected.slice(0, Number(take[1]));
    const summarize = /\|\s*summarize (.+) by ([A-Za-z_, ]+)$/m.exec(query);
    if (summarize) return { tables: [summarized(selected, summarize[1]!, summarize[2]!, query)] };
    const project = /\|\s*project ([A-Za-z_, ]+)/.exec(query);
    const columns = project ? project[1]!.split(',').map((c) => c.trim()).filter(Boolean) : ['TimeGenerated', ...STRING_COLUMNS];
    return {
        tables: [
            {
                name: 'PrimaryResult',
                columns: columns.map((name) => ({ name, type: name === 'TimeGenerated' ? 'datetime' : 'string' })),
                rows: selected.map((r) => columns.map((c) => (r as unknown as Record<string, string | undefined>)[c] ?? '')),
            },
        ],
    };
}

/**
 * `summarize A = max(Col), B = count(), C = take_any(Col) by K1, K2`: one row per key, columns
 * in KQL's order (the keys, then the aggregates), then `order by <column> asc|desc` if present.
 */
function summarized(rows: readonly RepositoryEventRow[], aggregates: string, by: string, query: string) {
    const keys = by.split(',').map((k) => k.trim()).filter(Boolean);
    const aggs = aggregates.split(/,(?![^(]*\))/).map((a) => {
        const m = /^\s*(\w+)\s*=\s*(max|count|take_any)\((\w*)\)\s*$/.exec(a);
        if (!m) throw new Error(`the stand-in does not evaluate the aggregate ${JSON.stringify(a.trim())}`);
        return { name: m[1]!, fn: m[2]!, column: m[3]! };
    });
    const groups = new Map<string, RepositoryEventRow[]>();
    for (const r of rows) {
        const key = JSON.stringify(keys.map((k) => (r as unknown as Record<string, unknown>)[k] ?? ''));
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const value = (r: RepositoryEventRow, c: string) => ((r as unknown as Record<string, string | undefined>)[c] ?? '');
    const out = [...groups.values()].map((group) => [
        ...keys.map((k) => value(group[0]!, k)),
        ...aggs.map((a) =>
            a.fn === 'count' ? group.length : a.fn === 'take_any' ? value(group[0]!, a.column) : group.map((r) => value(r, a.column)).sort().at(-1)!,
        ),
    ]);
    const columns = [...keys.map((name) => ({ name, type: 'string' })), ...aggs.map((a) => ({ name: a.name, type: a.fn === 'count' ? 'long' : a.column === 'TimeGenerated' ? 'datetime' : 'string' }))];
    const order = /\|\s*order by (\w+) (asc|desc)/.exec(query);
    const at = order ? columns.findIndex((c) => c.name === order[1]) : -1;
    if (order && at >= 0) {
        out.sort((x, y) => String(x[at]).localeCompare(String(y[at])) * (order[2] === 'desc' ? -1 : 1));
    }
    return { name: 'PrimaryResult', columns, rows: out };
}
