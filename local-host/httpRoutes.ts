/**
 * HTTP trigger route templates as the Functions host (ASP.NET routing) reads them, limited to
 * what the app uses: literal segments matched case-insensitively and whole-segment parameters
 * `{name}` / `{name?}`. Constraints (`{id:int}`), catch-alls (`{*rest}`) and parameters inside a
 * segment are refused at start-up rather than matched differently from Azure.
 */
export interface CompiledRoute {
    readonly template: string;
    readonly regex: RegExp;
    readonly paramNames: readonly string[];
    /** Literal characters: more specific routes win when several match. */
    readonly specificity: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRoute(template: string): CompiledRoute {
    const trimmed = template.replace(/^\/+|\/+$/g, '');
    const paramNames: string[] = [];
    let pattern = '';
    let specificity = 0;
    for (const segment of trimmed === '' ? [] : trimmed.split('/')) {
        const param = /^\{([A-Za-z_]\w*)(\?)?\}$/.exec(segment);
        if (param) {
            paramNames.push(param[1]!);
            pattern += param[2] ? '(?:/([^/]+))?' : '/([^/]+)';
            continue;
        }
        if (/[{}]/.test(segment)) {
            throw new Error(`HTTP route "${template}": segment "${segment}" is not supported by the local host (only literal segments, {name} and {name?})`);
        }
        pattern += `/${escapeRegex(segment)}`;
        specificity += segment.length;
    }
    return { template, regex: new RegExp(`^${pattern}/?$`, 'i'), paramNames, specificity };
}

/** The route parameters when `path` (without the route prefix, starting with `/` or empty) matches. */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
    const m = route.regex.exec(path === '/' ? '' : path);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
        const value = m[i + 1];
        if (value !== undefined) params[name] = decodeURIComponent(value);
    });
    return params;
}
