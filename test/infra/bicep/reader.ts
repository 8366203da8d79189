/**
 * A small, honest reader for the Bicep this repository writes: enough of the language to find every
 * `resource`, `module`, `param` and `var` declaration and to turn object/array literals into a tree
 * the schema check can walk. Values it does not interpret (function calls, references, operators)
 * are kept as opaque expressions with their source text; ternaries keep both branches.
 * It is not a Bicep compiler: it fails loudly (BicepSyntaxError with a line number) on anything
 * it cannot read, rather than guessing.
 */

export class BicepSyntaxError extends Error {
    constructor(message: string, readonly file: string, readonly line: number) {
        super(`${file}:${line}: ${message}`);
        this.name = 'BicepSyntaxError';
    }
}

// --- Tokens ---------------------------------------------------------------------------------------

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';

interface StringPart {
    readonly text: string;
}

interface Token {
    readonly kind: TokenKind;
    readonly text: string;
    readonly line: number;
    readonly start: number;
    readonly end: number;
    /** For strings: literal segments and interpolation sources, in order. */
    readonly parts?: readonly (StringPart | { readonly expr: string; readonly line: number })[];
}

const PUNCTUATION = ['...', '::', '.?', '[?', '??', '==', '!=', '=~', '!~', '<=', '>=', '&&', '||', '=>',
    '{', '}', '[', ']', '(', ')', ':', ',', '=', '?', '.', '!', '@', '<', '>', '+', '-', '*', '/', '%', '|'];

function tokenize(source: string, file: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    let line = 1;
    const fail = (message: string): never => {
        throw new BicepSyntaxError(message, file, line);
    };
    while (i < source.length) {
        const c = source[i]!;
        if (c === '\n') {
            tokens.push({ kind: 'newline', text: '\n', line, start: i, end: i + 1 });
            line += 1;
            i += 1;
            continue;
        }
        if (c === ' ' || c === '\t' || c === '\r') {
            i += 1;
            continue;
        }
        if (c === '/' && source[i + 1] === '/') {
            while (i < source.length && source[i] !== '\n') i += 1;
            continue;
        }
        if (c === '#' && /^#disable-(next-line|diagnostics)/.test(source.slice(i, i + 30))) {
            while (i < source.length && source[i] !== '\n') i += 1;
            continue;
        }
        if (c === '/' && source[i + 1] === '*') {
            const close = source.indexOf('*/', i + 2);
            if (close < 0) fail('unterminated block comment');
            for (let k = i; k < close; k++) if (source[k] === '\n') line += 1;
            i = close + 2;
            continue;
        }
        if (source.startsWith("'''", i)) {
            const close = source.indexOf("'''", i + 3);
            if (close < 0) fail('unterminated multi-line string');
            const text = source.slice(i + 3, close);
            tokens.push({ kind: 'string', text, line, start: i, end: close + 3, parts: [{ text }] });
            for (const ch of text) if (ch === '\n') line += 1;
            i = close + 3;
            continue;
        }
        if (c === "'") {
            const startLine = line;
            const start = i;
            const parts: ({ text: string } | { expr: string; line: number })[] = [];
            let literal = '';
            i += 1;
            for (;;) {
                if (i >= source.length || source[i] === '\n') fail('unterminated string');
                const ch = source[i]!;
                if (ch === '\\') {
                    const next = source[i + 1];
                    const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
                    if (next === undefined || !(next in escapes)) fail(`bad escape \\${next ?? ''}`);
                    literal += escapes[next!];
                    i += 2;
                    continue;
                }
                if (ch === "'") {
                    i += 1;
                    break;
                }
                if (ch === '$' && source[i + 1] === '{') {
                    if (literal) parts.push({ text: literal });
                    literal = '';
                    // Find the matching close brace, skipping nested strings and braces.
                    let depth = 1;
                    let k = i + 2;
                    while (depth > 0) {
                        if (k >= source.length) fail('unterminated interpolation');
                        const d = source[k]!;
                        if (d === "'") {
                            k += 1;
                            while (k < source.length && source[k] !== "'") k += source[k] === '\\' ? 2 : 1;
                        } else if (d === '{') depth += 1;
                        else if (d === '}') depth -= 1;
                        k += 1;
                    }
                    parts.push({ expr: source.slice(i + 2, k - 1), line });
                    i = k;
                    continue;
                }
                literal += ch;
                i += 1;
            }
            if (literal || parts.length === 0) parts.push({ text: literal });
            tokens.push({ kind: 'string', text: source.slice(start, i), line: startLine, start, end: i, parts });
            continue;
        }
        if (/[A-Za-z_]/.test(c)) {
            const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
            tokens.push({ kind: 'ident', text: match[0], line, start: i, end: i + match[0].length });
            i += match[0].length;
            continue;
        }
        if (/[0-9]/.test(c)) {
            const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
            tokens.push({ kind: 'number', text: match[0], line, start: i, end: i + match[0].length });
            i += match[0].length;
            continue;
        }
        const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
        if (!punct) fail(`unexpected character ${JSON.stringify(c)}`);
        tokens.push({ kind: 'punct', text: punct!, line, start: i, end: i + punct!.length });
        i += punct!.length;
    }
    tokens.push({ kind: 'eof', text: '', line, start: source.length, end: source.length });
    return tokens;
}

// --- Values ---------------------------------------------------------------------------------------

export type BicepValue =
    | { readonly kind: 'string'; readonly value: string; readonly line: number }
    | { readonly kind: 'interpolated'; readonly source: string; readonly line: number }
    | { readonly kind: 'number'; readonly value: number; readonly line: number }
    | { readonly kind: 'bool'; readonly value: boolean; readonly line: number }
    | { readonly kind: 'null'; readonly line: number }
    | { readonly kind: 'object'; readonly properties: readonly BicepProperty[]; readonly resources: readonly ResourceDecl[]; readonly spread: boolean; readonly line: number }
    | { readonly kind: 'array'; readonly items: readonly BicepValue[]; readonly line: number }
    | { readonly kind: 'for'; readonly header: string; readonly body: BicepValue; readonly line: number }
    | { readonly kind: 'if'; readonly condition: string; readonly body: BicepValue; readonly line: number }
    | { readonly kind: 'ternary'; readonly condition: string; readonly whenTrue: BicepValue; readonly whenFalse: BicepValue; readonly line: number }
    | { readonly kind: 'expression'; readonly source: string; readonly line: number };

export interface BicepProperty {
    readonly key: string;
    readonly value: BicepValue;
    readonly line: number;
}

export interface ResourceDecl {
    readonly file: string;
    readonly symbol: string;
    /** The type as written ('Microsoft.Web/sites@2024-11-01' or, nested, 'config@2024-11-01'). */
    readonly typeReference: string;
    /** Fully qualified type (nested declarations resolved against their parent). */
    readonly type: string;
    readonly apiVersion: string;
    readonly existing: boolean;
    readonly conditional: boolean;
    readonly loop: boolean;
    /** The resource body (the object literal after `=`, `if (...)` or `[for ...:`). */
    readonly body: BicepValue;
    readonly parent?: string;
    readonly line: number;
}

export interface ParamDecl {
    readonly name: string;
    readonly type: string;
    readonly hasDefault: boolean;
    readonly nullable: boolean;
    readonly secure: boolean;
    readonly line: number;
}

export interface ModuleDecl {
    readonly symbol: string;
    readonly path: string;
    readonly body: BicepValue;
    readonly line: number;
}

export interface BicepFile {
    readonly file: string;
    readonly resources: readonly ResourceDecl[];
    readonly params: readonly ParamDecl[];
    readonly vars: ReadonlyMap<string, BicepValue>;
    readonly modules: readonly ModuleDecl[];
    readonly outputs: readonly string[];
    readonly imports: readonly { readonly names: readonly string[]; readonly from: string }[];
}

/** Every resource declaration of a file, nested ones included (depth first, in source order). */
export function allResources(file: BicepFile): ResourceDecl[] {
    const out: ResourceDecl[] = [];
    const visit = (decl: ResourceDecl) => {
        out.push(decl);
        for (const child of nestedResources(decl.body)) visit(child);
    };
    for (const decl of file.resources) visit(decl);
    return out;
}

function nestedResources(value: BicepValue): readonly ResourceDecl[] {
    if (value.kind === 'object') return value.resources;
    if (value.kind === 'for' || value.kind === 'if') return nestedResources(value.body);
    return [];
}

/** The property `key` of an object value (undefined when the value is not an object literal). */
export function property(value: BicepValue | undefined, key: string): BicepValue | undefined {
    if (!value) return undefined;
    if (value.kind === 'for' || value.kind === 'if') return property(value.body, key);
    if (value.kind !== 'object') return undefined;
    return value.properties.find((p) => p.key === key)?.value;
}

/** Follows a dotted path of object keys. */
export function propertyPath(value: BicepValue | undefined, path: string): BicepValue | undefined {
    return path.split('.').reduce<BicepValue | undefined>((v, key) => property(v, key), value);
}

/** The literal string items of an array literal (throws if an item is not a plain string). */
export function stringItems(value: BicepValue | undefined, what: string): string[] {
    if (!value || value.kind !== 'array') throw new Error(`${what}: expected an array literal`);
    return value.items.map((item) => {
        if (item.kind !== 'string') throw new Error(`${what}: expected string literals, found ${item.kind}`);
        return item.value;
    });
}

// --- Parser ---------------------------------------------------------------------------------------

class Parser {
    private pos = 0;

    constructor(
        private readonly tokens: Token[],
        private readonly source: string,
        private readonly file: string,
    ) {}

    private peek(offset = 0): Token {
        return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
    }

    private next(): Token {
        const token = this.peek();
        if (token.kind !== 'eof') this.pos += 1;
        return token;
    }

    private fail(message: string, token = this.peek()): never {
        throw new BicepSyntaxError(message, this.file, token.line);
    }

    private is(text: string, offset = 0): boolean {
        const token = this.peek(offset);
        return (token.kind === 'punct' || token.kind === 'ident') && token.text === text;
    }

    private expect(text: string): Token {
        if (!this.is(text)) this.fail(`expected '${text}', found '${this.peek().text || this.peek().kind}'`);
        return this.next();
    }

    private skipNewlines(): void {
        while (this.peek().kind === 'newline') this.next();
    }

    parseFile(): BicepFile {
        const resources: ResourceDecl[] = [];
        const params: ParamDecl[] = [];
        const vars = new Map<string, BicepValue>();
        const modules: ModuleDecl[] = [];
        const outputs: string[] = [];
        const imports: { names: string[]; from: string }[] = [];
        let decorators: string[] = [];
        for (;;) {
            this.skipNewlines();
            const token = this.peek();
            if (token.kind === 'eof') break;
            if (this.is('@')) {
                decorators.push(this.parseDecorator());
                continue;
            }
            if (token.kind !== 'ident') this.fail(`unexpected '${token.text}' at top level`);
            switch (token.text) {
                case 'targetScope':
                case 'metadata': {
                    this.next();
                    if (token.text === 'metadata') this.next();
                    this.expect('=');
                    this.parseValue();
                    break;
                }
                case 'import': {
                    this.next();
                    const names: string[] = [];
                    if (this.is('{')) {
                        this.next();
                        while (!this.is('}')) {
                            this.skipNewlines();
                            if (this.is('}')) break;
                            names.push(this.next().text);
                            if (this.is('as')) {
                                this.next();
                                this.next();
                            }
                            if (this.is(',')) this.next();
                            this.skipNewlines();
                        }
                        this.expect('}');
                    } else {
                        this.expect('*');
                        this.expect('as');
                        names.push(this.next().text);
                    }
                    this.expect('from');
                    const from = this.next();
                    if (from.kind !== 'string') this.fail('expected a path after from');
                    imports.push({ names, from: literalText(from) });
                    break;
                }
                case 'param': {
                    this.next();
                    const name = this.next().text;
                    const typeStart = this.peek();
                    const typeTokens: string[] = [];
                    while (!this.is('=') && this.peek().kind !== 'newline' && this.peek().kind !== 'eof') {
                        typeTokens.push(this.next().text);
                    }
                    let hasDefault = false;
                    if (this.is('=')) {
                        this.next();
                        this.parseValue();
                        hasDefault = true;
                    }
                    const type = typeTokens.join('');
                    params.push({
                        name,
                        type: type.replace(/\?$/, ''),
                        hasDefault,
                        nullable: type.endsWith('?'),
                        secure: decorators.some((d) => /^secure\b/.test(d)),
                        line: typeStart.line,
                    });
                    break;
                }
                case 'var': {
                    this.next();
                    const name = this.next().text;
                    this.expect('=');
                    vars.set(name, this.parseValue());
                    break;
                }
                case 'output': {
                    this.next();
                    outputs.push(this.next().text);
                    while (!this.is('=')) this.next();
                    this.next();
                    this.parseValue();
                    break;
                }
                case 'resource':
                    resources.push(this.parseResource(undefined));
                    break;
                case 'module': {
                    this.next();
                    const symbol = this.next().text;
                    const path = this.next();
                    if (path.kind !== 'string') this.fail('expected the module path');
                    this.expect('=');
                    let body: BicepValue;
                    if (this.is('if')) {
                        const ifToken = this.next();
                        const condition = this.parseParenthesized();
                        body = { kind: 'if', condition, body: this.parseObject(undefined), line: ifToken.line };
                    } else body = this.parseValue();
                    modules.push({ symbol, path: literalText(path), body, line: token.line });
                    break;
                }
                case 'type':
                case 'func': {
                    // Declarations the schema check does not need: read past them.
                    this.next();
                    while (this.peek().kind !== 'newline' && this.peek().kind !== 'eof') {
                        if (this.is('{') || this.is('[') || this.is('(')) this.parseValue();
                        else this.next();
                    }
                    break;
                }
                default:
                    this.fail(`unknown statement '${token.text}'`);
            }
            decorators = [];
        }
        return { file: this.file, resources, params, vars, modules, outputs, imports };
    }

    private parseDecorator(): string {
        const at = this.expect('@');
        const start = this.peek().start;
        this.next();
        while (this.is('.')) {
            this.next();
            this.next();
        }
        if (this.is('(')) this.parseParenthesized();
        void at;
        return this.source.slice(start, this.tokens[this.pos - 1]!.end);
    }

    private parseResource(parent: { type: string; symbol: string } | undefined): ResourceDecl {
        const keyword = this.expect('resource');
        const symbol = this.next().text;
        const typeToken = this.next();
        if (typeToken.kind !== 'string') this.fail('expected the resource type string', typeToken);
        const typeReference = literalText(typeToken);
        const at = typeReference.lastIndexOf('@');
        if (at < 0) this.fail(`resource type '${typeReference}' has no @apiVersion`, typeToken);
        const typeName = typeReference.slice(0, at);
        const apiVersion = typeReference.slice(at + 1);
        let type = typeName;
        if (parent && !typeName.toLowerCase().startsWith(`${parent.type.toLowerCase()}/`)) {
            if (typeName.includes('.')) this.fail(`nested resource type '${typeName}' is not a child of ${parent.type}`, typeToken);
            type = `${parent.type}/${typeName}`;
        }
        let existing = false;
        if (this.is('existing')) {
            this.next();
            existing = true;
        }
        this.expect('=');
        let conditional = false;
        let loop = false;
        const self = { type, symbol };
        let body: BicepValue;
        if (this.is('if')) {
            conditional = true;
            this.next();
            this.parseParenthesized();
            body = this.parseObject(self);
        } else if (this.is('[') && this.peekPastNewlines(1, 'for')) {
            loop = true;
            const line = this.next().line;
            this.skipNewlines();
            const header = this.parseForHeader();
            let inner: BicepValue;
            if (this.is('if')) {
                conditional = true;
                this.next();
                this.parseParenthesized();
                inner = this.parseObject(self);
            } else {
                inner = this.parseObject(self);
            }
            this.skipNewlines();
            this.expect(']');
            body = { kind: 'for', header, body: inner, line };
        } else {
            body = this.parseObject(self);
        }
        const bodyObject = body.kind === 'for' ? body.body : body;
        const parentProp = property(bodyObject, 'parent');
        return {
            file: this.file,
            symbol,
            typeReference,
            type,
            apiVersion,
            existing,
            conditional,
            loop,
            body: bodyObject,
            parent: parent?.symbol ?? (parentProp?.kind === 'expression' ? parentProp.source : undefined),
            line: keyword.line,
        };
    }

    private peekPastNewlines(offset: number, text: string): boolean {
        let k = offset;
        while (this.peek(k).kind === 'newline') k += 1;
        return this.is(text, k);
    }

    /** Skips a balanced ( ... ) group and returns its source text. */
    private parseParenthesized(): string {
        const open = this.expect('(');
        let depth = 1;
        while (depth > 0) {
            const token = this.next();
            if (token.kind === 'eof') this.fail('unbalanced parentheses', open);
            if (token.text === '(' && token.kind === 'punct') depth += 1;
            if (token.text === ')' && token.kind === 'punct') depth -= 1;
        }
        return this.source.slice(open.end, this.tokens[this.pos - 1]!.start);
    }

    private parseObject(owner: { type: string; symbol: string } | undefined): BicepValue {
        const open = this.expect('{');
        const properties: BicepProperty[] = [];
        const resources: ResourceDecl[] = [];
        let spread = false;
        for (;;) {
            while (this.peek().kind === 'newline' || this.is(',')) this.next();
            if (this.is('}')) break;
            if (this.is('@')) {
                this.parseDecorator();
                continue;
            }
            if (this.is('...')) {
                this.next();
                this.parseExpression();
                spread = true;
                continue;
            }
            if (this.is('resource') && this.peek(1).kind === 'ident' && this.peek(2).kind === 'string') {
                if (!owner) this.fail('a nested resource outside a resource body');
                resources.push(this.parseResource(owner));
                continue;
            }
            const keyToken = this.next();
            let key: string;
            if (keyToken.kind === 'ident') key = keyToken.text;
            else if (keyToken.kind === 'string') {
                const parts = keyToken.parts ?? [];
                key = parts.every((p) => 'text' in p) ? literalText(keyToken) : keyToken.text;
            } else this.fail(`expected a property name, found '${keyToken.text}'`, keyToken);
            this.expect(':');
            properties.push({ key, value: this.parseValue(), line: keyToken.line });
            if (!(this.peek().kind === 'newline' || this.is(',') || this.is('}'))) {
                this.fail(`expected a new line after property '${key}'`);
            }
        }
        this.expect('}');
        return { kind: 'object', properties, resources, spread, line: open.line };
    }

    /** `for <header>:` of a loop (resource or array): the header text; leaves the reader past the colon and new lines. */
    private parseForHeader(): string {
        this.expect('for');
        const headerStart = this.peek().start;
        while (!this.is(':')) {
            if (this.is('(')) this.parseParenthesized();
            else this.next();
        }
        const header = this.source.slice(headerStart, this.peek().start).trim();
        this.next();
        this.skipNewlines();
        return header;
    }

    private parseArray(): BicepValue {
        const open = this.expect('[');
        this.skipNewlines();
        if (this.is('for')) {
            const header = this.parseForHeader();
            let body: BicepValue;
            if (this.is('if')) {
                this.next();
                const condition = this.parseParenthesized();
                body = { kind: 'if', condition, body: this.parseValue(), line: open.line };
            } else body = this.parseValue();
            this.skipNewlines();
            this.expect(']');
            return { kind: 'for', header, body, line: open.line };
        }
        const items: BicepValue[] = [];
        for (;;) {
            while (this.peek().kind === 'newline' || this.is(',')) this.next();
            if (this.is(']')) break;
            items.push(this.parseValue());
            if (!(this.peek().kind === 'newline' || this.is(',') || this.is(']'))) this.fail('expected a new line after an array item');
        }
        this.expect(']');
        return { kind: 'array', items, line: open.line };
    }

    /** A value in an object or array: a literal, or an expression (ternaries keep both branches). */
    parseValue(): BicepValue {
        const start = this.peek();
        const head = this.parseOperand();
        // `cond ? a : b` (possibly across lines when a line starts with ? or :).
        const question = this.continuation('?');
        if (question) {
            this.skipNewlines();
            const whenTrue = this.parseValue();
            if (!this.continuation(':')) this.fail("expected ':' in a conditional expression");
            this.skipNewlines();
            const whenFalse = this.parseValue();
            return { kind: 'ternary', condition: this.sourceOf(head, start), whenTrue, whenFalse, line: start.line };
        }
        return head;
    }

    /** Consumes `text` if it is next, or first on the next line (Bicep's multi-line ternaries). */
    private continuation(text: string): boolean {
        if (this.is(text)) {
            this.next();
            return true;
        }
        let k = 0;
        while (this.peek(k).kind === 'newline') k += 1;
        if (k > 0 && this.is(text, k)) {
            this.pos += k + 1;
            return true;
        }
        return false;
    }

    private sourceOf(value: BicepValue, start: Token): string {
        if (value.kind === 'expression' || value.kind === 'interpolated') return value.source;
        return this.source.slice(start.start, this.tokens[this.pos - 1]!.end);
    }

    /** A literal (object, array, string, number, bool, null) or a binary/unary expression chain. */
    private parseOperand(): BicepValue {
        const start = this.peek();
        const first = this.parseUnary();
        if (!this.isBinaryOperator()) return first;
        while (this.isBinaryOperator()) {
            this.next();
            this.skipNewlines();
            this.parseUnary();
        }
        return { kind: 'expression', source: this.source.slice(start.start, this.tokens[this.pos - 1]!.end), line: start.line };
    }

    private isBinaryOperator(): boolean {
        const t = this.peek();
        return t.kind === 'punct' && ['==', '!=', '=~', '!~', '<', '>', '<=', '>=', '&&', '||', '??', '+', '-', '*', '/', '%'].includes(t.text);
    }

    private parseExpression(): void {
        this.parseValue();
    }

    private parseUnary(): BicepValue {
        const start = this.peek();
        if (this.is('!') || this.is('-')) {
            this.next();
            const operand = this.parseUnary();
            if (start.text === '-' && operand.kind === 'number') return { kind: 'number', value: -operand.value, line: start.line };
            return { kind: 'expression', source: this.source.slice(start.start, this.tokens[this.pos - 1]!.end), line: start.line };
        }
        const primary = this.parsePrimary();
        let postfixed = false;
        for (;;) {
            if (this.is('.') || this.is('.?') || this.is('::')) {
                this.next();
                this.next();
                postfixed = true;
            } else if (this.is('[') || this.is('[?')) {
                this.next();
                this.skipNewlines();
                this.parseValue();
                this.skipNewlines();
                this.expect(']');
                postfixed = true;
            } else if (this.is('(')) {
                this.parseParenthesized();
                postfixed = true;
            } else if (this.is('!') && !this.is('=', 1)) {
                this.next();
                postfixed = true;
            } else break;
        }
        if (!postfixed) return primary;
        return { kind: 'expression', source: this.source.slice(start.start, this.tokens[this.pos - 1]!.end), line: start.line };
    }

    private parsePrimary(): BicepValue {
        const token = this.peek();
        if (this.is('{')) return this.parseObject(undefined);
        if (this.is('[')) return this.parseArray();
        if (this.is('(')) {
            // A parenthesized expression or a lambda's parameter list.
            this.parseParenthesized();
            if (this.is('=>')) {
                this.next();
                this.skipNewlines();
                this.parseValue();
            }
            return { kind: 'expression', source: this.source.slice(token.start, this.tokens[this.pos - 1]!.end), line: token.line };
        }
        this.next();
        switch (token.kind) {
            case 'string': {
                const parts = token.parts ?? [];
                if (parts.every((p) => 'text' in p)) return { kind: 'string', value: literalText(token), line: token.line };
                return { kind: 'interpolated', source: token.text, line: token.line };
            }
            case 'number':
                return { kind: 'number', value: Number(token.text), line: token.line };
            case 'ident': {
                if (token.text === 'true' || token.text === 'false') return { kind: 'bool', value: token.text === 'true', line: token.line };
                if (token.text === 'null') return { kind: 'null', line: token.line };
                if (this.is('=>')) {
                    // Lambda with one parameter: x => body.
                    this.next();
                    this.skipNewlines();
                    this.parseValue();
                }
                return { kind: 'expression', source: this.source.slice(token.start, this.tokens[this.pos - 1]!.end), line: token.line };
            }
            default:
                return this.fail(`unexpected '${token.text || token.kind}' in an expression`, token);
        }
    }
}

function literalText(token: Token): string {
    return (token.parts ?? []).map((p) => ('text' in p ? p.text : '')).join('');
}

export function parseBicep(source: string, file: string): BicepFile {
    return new Parser(tokenize(source, file), source, file).parseFile();
}
