/**
 * A strict JSON reader that keeps the source text of a top-level object's members, and a writer
 * that changes only the members it is given. keywarden rewrites secret values that other programs
 * wrote and read; `JSON.parse` + `JSON.stringify` would round `12345678901234567890` to
 * `12345678901234567000`, turn `1.0` into `1`, and decode `\u00e9` escapes, so a field keywarden
 * does not own could come back changed. Node 20's JSON.parse has no access to the source text,
 * hence this reader.
 *
 * Stricter than JSON.parse, on purpose:
 * - a key that appears twice in one object (at any depth, compared after unescaping) is refused:
 *   JSON.parse keeps the last, other readers the first, so a writer could show consumers one
 *   value and keywarden another;
 * - an escaped lone surrogate (`"\ud800"`) is refused: readers disagree on it too;
 * - nesting deeper than {@link MAX_JSON_DEPTH} and text longer than {@link MAX_JSON_CHARS}
 *   (Secrets Manager's own limit for a secret string) are refused before any work grows with them.
 *
 * Problems name where the text is wrong (a key path and an offset), never what it holds; keys are
 * named only when they are short plain words (see {@link describeKeyPath}), since a key can be
 * a secret too.
 */

/** The most characters a text may have: Secrets Manager's limit for a secret string. */
export const MAX_JSON_CHARS = 65_536;
/** The deepest nesting of objects and arrays accepted; secrets in practice use three or four. */
export const MAX_JSON_DEPTH = 32;

/** One member of the top-level object, with where its value stands in the source text. */
export interface JsonMember {
  /** The key, unescaped. */
  readonly key: string;
  /** The value, as JSON.parse would give it (numbers may be rounded; `raw` is exact). */
  readonly value: unknown;
  /** The value's exact source text. */
  readonly raw: string;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** A top-level JSON object as read: its members in source order, and the text they came from. */
export interface JsonObjectSource {
  readonly text: string;
  readonly members: readonly JsonMember[];
  /** Offset of the closing `}` of the top-level object. */
  readonly closeAt: number;
}

/** The outcome of {@link readJsonObject}. */
export type JsonObjectReading =
  | { ok: true; value: Record<string, unknown>; source: JsonObjectSource }
  | { ok: false; kind: JsonReadFailure; problem: string };

/**
 * Why a text was not read: `syntax` (not JSON at all), `not-object` (JSON, but not an object),
 * `refused` (JSON.parse would take it, but keywarden will not: a key twice, a lone surrogate,
 * too deep or too long).
 */
export type JsonReadFailure = 'syntax' | 'not-object' | 'refused';

/**
 * Reads `text` as a JSON object. On failure, `problem` completes the phrase "the value ...":
 * `is not valid JSON (...)`, `is JSON array, not a JSON object`, `has key "host" twice`.
 */
export function readJsonObject(text: string): JsonObjectReading {
  if (text.length > MAX_JSON_CHARS) return { ok: false, kind: 'refused', problem: `is longer than ${MAX_JSON_CHARS} characters` };
  const reader = new Reader(text);
  try {
    const value = reader.document();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, kind: 'not-object', problem: `is JSON ${jsonTypeName(value)}, not a JSON object` };
    }
    return { ok: true, value: value as Record<string, unknown>, source: { text, members: reader.topMembers, closeAt: reader.topCloseAt } };
  } catch (error) {
    if (error instanceof JsonProblem) return { ok: false, kind: error.kind, problem: error.message };
    throw error;
  }
}

/**
 * The object's text with `owned` members written in: a member already present keeps its place
 * and key text and gets the new value; a new one is added at the end. Everything else (other
 * members' exact text, whitespace, order) is kept byte for byte.
 */
export function writeOwnedMembers(source: JsonObjectSource, owned: Readonly<Record<string, unknown>>): string {
  const replacements = new Map<string, string>();
  for (const [key, value] of Object.entries(owned)) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`owned member ${describeKey(key, 0)} has no JSON form`);
    replacements.set(key, json);
  }
  let out = '';
  let from = 0;
  for (const member of source.members) {
    const json = replacements.get(member.key);
    if (json === undefined) continue;
    out += source.text.slice(from, member.valueStart) + json;
    from = member.valueEnd;
    replacements.delete(member.key);
  }
  // New members go right after the last one, so the spacing before `}` stays where it was.
  const insertAt = source.members.at(-1)?.valueEnd ?? source.closeAt;
  out += source.text.slice(from, insertAt);
  let separator = source.members.length > 0 ? ',' : '';
  for (const [key, json] of replacements) {
    out += `${separator}${JSON.stringify(key)}:${json}`;
    separator = ',';
  }
  return out + source.text.slice(insertAt);
}

/** A JSON type name for messages (`null`, `array`, `object`, `string`...); never the value. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A path segment: the key when it is a short plain word, else its position among the members. */
export function describeKey(key: string, index: number): string {
  return /^[A-Za-z0-9_:.-]{1,24}$/.test(key) ? key : `<member ${index + 1}>`;
}

/**
 * A key path such as `keys[2].kid` for messages. Keys longer than 24 characters or with other
 * characters than letters, digits and `_ : . -` are shown as `<member n>`: a key may be a secret,
 * and generated secrets are longer than that.
 */
export function describeKeyPath(segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) path += typeof segment === 'number' ? `[${segment}]` : `${path ? '.' : ''}${segment}`;
  return path || '(top level)';
}

class JsonProblem extends Error {
  constructor(
    message: string,
    readonly kind: 'syntax' | 'refused',
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** Recursive descent over one text; depth is bounded, so the recursion is too. */
class Reader {
  private at = 0;
  private readonly path: Array<string | number> = [];
  topMembers: JsonMember[] = [];
  topCloseAt = -1;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value(0);
    this.skipWhitespace();
    if (this.at < this.text.length) this.fail('has text after the JSON value');
    return value;
  }

  private value(depth: number): unknown {
    this.skipWhitespace();
    const char = this.text[this.at];
    if (char === '{') return this.object(depth + 1);
    if (char === '[') return this.array(depth + 1);
    if (char === '"') return this.string();
    if (char === 't') return this.literal('true', true);
    if (char === 'f') return this.literal('false', false);
    if (char === 'n') return this.literal('null', null);
    return this.number();
  }

  private object(depth: number): Record<string, unknown> {
    this.checkDepth(depth);
    this.at += 1;
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    const top = depth === 1;
    this.skipWhitespace();
    if (this.text[this.at] === '}') return this.closeObject(out, top);
    for (let index = 0; ; index += 1) {
      this.skipWhitespace();
      if (this.text[this.at] !== '"') this.fail('expected a key');
      const key = this.string();
      const segment = describeKey(key, index);
      if (seen.has(key)) this.refuseDuplicate(segment);
      seen.add(key);
      this.skipWhitespace();
      this.expect(':');
      this.path.push(segment);
      this.skipWhitespace();
      const valueStart = this.at;
      const value = this.value(depth);
      this.path.pop();
      if (top) this.topMembers.push({ key, value, raw: this.text.slice(valueStart, this.at), valueStart, valueEnd: this.at });
      setMember(out, key, value);
      this.skipWhitespace();
      if (this.text[this.at] === ',') {
        this.at += 1;
        continue;
      }
      if (this.text[this.at] !== '}') this.fail("expected ',' or '}'");
      return this.closeObject(out, top);
    }
  }

  private closeObject(out: Record<string, unknown>, top: boolean): Record<string, unknown> {
    if (top) this.topCloseAt = this.at;
    this.at += 1;
    return out;
  }

  private array(depth: number): unknown[] {
    this.checkDepth(depth);
    this.at += 1;
    const out: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return out;
    }
    for (;;) {
      this.path.push(out.length);
      out.push(this.value(depth));
      this.path.pop();
      this.skipWhitespace();
      const char = this.text[this.at];
      this.at += 1;
      if (char === ']') return out;
      if (char !== ',') {
        this.at -= 1;
        this.fail("expected ',' or ']'");
      }
    }
  }

  /** A string token; JSON.parse decodes escapes once the token is known to be well formed. */
  private string(): string {
    const start = this.at;
    this.at += 1;
    let escaped = false;
    for (;;) {
      const code = this.text.charCodeAt(this.at);
      if (Number.isNaN(code)) this.fail('has a string that never ends');
      if (code === 0x22) break;
      if (code < 0x20) this.fail('has a control character inside a string');
      if (code === 0x5c) {
        escaped = true;
        this.escape();
      } else if (code >= 0xd800 && code <= 0xdfff) {
        this.surrogatePair(code, this.text.charCodeAt(this.at + 1));
      } else {
        this.at += 1;
      }
    }
    this.at += 1;
    return escaped ? (JSON.parse(this.text.slice(start, this.at)) as string) : this.text.slice(start + 1, this.at - 1);
  }

  private escape(): void {
    const kind = this.text[this.at + 1] ?? '';
    if (SIMPLE_ESCAPES.has(kind)) {
      this.at += 2;
      return;
    }
    if (kind !== 'u') this.fail('has an invalid escape in a string');
    const unit = this.hexUnit(this.at + 2);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = this.text.startsWith('\\u', this.at + 6) ? this.hexUnit(this.at + 8) : -1;
      if (low < 0xdc00 || low > 0xdfff) this.refuse('has a lone surrogate escape in a string');
      this.at += 12;
      return;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) this.refuse('has a lone surrogate escape in a string');
    this.at += 6;
  }

  private hexUnit(from: number): number {
    const hex = this.text.slice(from, from + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('has an invalid \\u escape in a string');
    return Number.parseInt(hex, 16);
  }

  /** A raw (unescaped) surrogate must be a well-formed pair; a lone one is not Unicode text. */
  private surrogatePair(high: number, low: number): void {
    if (high > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) this.refuse('has a lone surrogate in a string');
    this.at += 2;
  }

  private number(): number {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('has an unexpected character');
    this.at += match[0].length;
    return Number(match[0]);
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail('has an unexpected character');
    this.at += word.length;
    return value;
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) this.fail(`expected '${char}'`);
    this.at += 1;
  }

  private skipWhitespace(): void {
    while (WHITESPACE.has(this.text.charCodeAt(this.at))) this.at += 1;
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_JSON_DEPTH) throw new JsonProblem(`nests deeper than ${MAX_JSON_DEPTH} levels at ${describeKeyPath(this.path)}`, 'refused');
  }

  private refuseDuplicate(segment: string): never {
    const path = describeKeyPath([...this.path, segment]);
    throw new JsonProblem(`has key "${path}" twice; JSON readers disagree on which one counts, so keywarden refuses it`, 'refused');
  }

  /** Text JSON.parse would take but readers disagree on. */
  private refuse(what: string): never {
    throw new JsonProblem(`${what} at character ${this.at + 1}; readers disagree on what it means, so keywarden refuses it`, 'refused');
  }

  private fail(what: string): never {
    const where = this.at >= this.text.length ? 'at the end' : `at character ${this.at + 1}`;
    throw new JsonProblem(`is not valid JSON (${what}, ${where})`, 'syntax');
  }
}

/** Like JSON.parse: `__proto__` becomes an own member, never the prototype. */
function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}
