/**
 * A reader for ARM template expressions (`[union(createObject('a', 1), parameters('x'))]`), enough
 * for tests to look inside what the Bicep compiler emitted: function calls, string literals ('' is a
 * quote), numbers, `.property` and `[index]` access. It does not evaluate anything.
 */

export type ArmExpr =
    | { readonly kind: 'call'; readonly name: string; readonly args: readonly ArmExpr[] }
    | { readonly kind: 'string'; readonly value: string }
    | { readonly kind: 'number'; readonly value: number }
    | { readonly kind: 'property'; readonly target: ArmExpr; readonly name: string }
    | { readonly kind: 'index'; readonly target: ArmExpr; readonly index: ArmExpr };

/** The expression inside `[...]`, or undefined for a plain (literal) string. */
export function parseArmExpression(text: string): ArmExpr | undefined {
    if (!(text.startsWith('[') && text.endsWith(']')) || text.startsWith('[[')) return undefined;
    const source = text.slice(1, -1);
    let at = 0;
    const fail = (what: string): never => {
        throw new Error(`ARM expression: ${what} at ${at} in ${text}`);
    };
    const skip = () => {
        while (source[at] === ' ') at++;
    };
    const primary = (): ArmExpr => {
        skip();
        if (source[at] === "'") {
            let value = '';
            at++;
            for (;;) {
                if (at >= source.length) fail('unterminated string');
                if (source[at] === "'") {
                    if (source[at + 1] === "'") {
                        value += "'";
                        at += 2;
                        continue;
                    }
                    at++;
                    return { kind: 'string', value };
                }
                value += source[at++];
            }
        }
        const number = /^-?\d+/.exec(source.slice(at));
        if (number) {
            at += number[0].length;
            return { kind: 'number', value: Number(number[0]) };
        }
        const name = /^[A-Za-z_][\w.]*/.exec(source.slice(at));
        if (!name) return fail('expected a value');
        at += name[0].length;
        skip();
        if (source[at] !== '(') return fail(`expected ( after ${name[0]}`);
        at++;
        const args: ArmExpr[] = [];
        skip();
        if (source[at] === ')') at++;
        else
            for (;;) {
                args.push(expression());
                skip();
                if (source[at] === ',') at++;
                else if (source[at] === ')') {
                    at++;
                    break;
                } else fail('expected , or )');
            }
        return { kind: 'call', name: name[0], args };
    };
    const expression = (): ArmExpr => {
        let value = primary();
        for (;;) {
            if (source[at] === '.') {
                const name = /^\.([A-Za-z_$][\w$]*)/.exec(source.slice(at));
                if (!name) fail('expected a property name');
                at += name![0].length;
                value = { kind: 'property', target: value, name: name![1]! };
            } else if (source[at] === '[') {
                at++;
                const index = expression();
                skip();
                if (source[at] !== ']') fail('expected ]');
                at++;
                value = { kind: 'index', target: value, index };
            } else return value;
        }
    };
    const result = expression();
    skip();
    if (at !== source.length) fail('trailing characters');
    return result;
}

/** Every call of `name` anywhere in the expression. */
export function callsOf(expr: ArmExpr | undefined, name: string): Extract<ArmExpr, { kind: 'call' }>[] {
    if (!expr) return [];
    switch (expr.kind) {
        case 'call':
            return [...(expr.name.toLowerCase() === name.toLowerCase() ? [expr] : []), ...expr.args.flatMap((a) => callsOf(a, name))];
        case 'property':
            return callsOf(expr.target, name);
        case 'index':
            return [...callsOf(expr.target, name), ...callsOf(expr.index, name)];
        default:
            return [];
    }
}

/** The keys of a `createObject('k1', v1, 'k2', v2, ...)` call. */
export function createObjectKeys(call: Extract<ArmExpr, { kind: 'call' }>): string[] {
    return call.args.filter((_, i) => i % 2 === 0).map((a) => (a.kind === 'string' ? a.value : `<${a.kind}>`));
}

/** The value expression of key `key` in a `createObject(...)` call. */
export function createObjectValue(call: Extract<ArmExpr, { kind: 'call' }>, key: string): ArmExpr | undefined {
    const i = call.args.findIndex((a, n) => n % 2 === 0 && a.kind === 'string' && a.value === key);
    return i < 0 ? undefined : call.args[i + 1];
}

/** Source-like text of an expression, for messages and simple comparisons. */
export function show(expr: ArmExpr | undefined): string {
    if (!expr) return '<none>';
    switch (expr.kind) {
        case 'call':
            return `${expr.name}(${expr.args.map(show).join(', ')})`;
        case 'string':
            return `'${expr.value.replace(/'/g, "''")}'`;
        case 'number':
            return String(expr.value);
        case 'property':
            return `${show(expr.target)}.${expr.name}`;
        case 'index':
            return `${show(expr.target)}[${show(expr.index)}]`;
    }
}
