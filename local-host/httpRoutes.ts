/**
 * HTTP trigger route templates as the Functions host (ASP.NET routing) reads them: literal
 * segments matched case-insensitively, `{name}`, `{name?}`, `{name:int}` style constraints and a
 * trailing catch-all `{*name}`.
 */
export interface CompiledRoute {
    readonly template: string;
    readonly regex: RegExp;
    readonly paramNames: readonly string[];
    /** Literal characters: more specific routes win when several match. */
    readonly specificity: number;
}

const CONSTRAINTS: Record<string, string> = {
    int: '-?\\d+',
    long: '-?\\d+',
    bool: '(?:true|false)',
    alpha: '[A-Za-z]+',
    guid: '[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}',
    double: '-?\\d+(?:\\.\\d+)?',
    decimal: '-?\\d+(?:\\.\\d+)?',
    float: '-?\\d+(?:\\.\\d+)?',
};

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRoute(template: string): CompiledRoute {
    const trimmed = template.replace(/^\/+|\/+$/g, '');
    const paramNames: string[] = [];
    let pattern = '';
    let specificity = 0;
    for (const segment of trimmed === '' ? [] : trimmed.split('/')) {
        const whole = /^\{(\*{1,2})?([A-Za-z_][\w]*)((?::[^}?]+)*)(\?)?\}$/.exec(segment);
        if (whole) {
            const [, catchAll, name, constraints, optional] = whole;
            paramNames.push(name!);
            if (catchAll) {
                pattern += '(?:/(.*))?';
                continue;
            }
            const constraint = constraints?.split(':').filter(Boolean)[0];
            const inner = (constraint && CONSTRAINTS[constraint.toLowerCase()]) || '[^/]+';
            pattern += optional ? `(?:/(${inner}))?` : `/(${inner})`;
            continue;
        }
        let part = '';
        let last = 0;
        for (const m of segment.matchAll(/\{([A-Za-z_][\w]*)(?::[^}]*)?\}/g)) {
            part += escapeRegex(segment.slice(last, m.index));
            specificity += m.index - last;
            paramNames.push(m[1]!);
            part += '([^/]+?)';
            last = m.index + m[0].length;
        }
        part += escapeRegex(segment.slice(last));
        specificity += segment.length - last;
        pattern += `/${part}`;
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
