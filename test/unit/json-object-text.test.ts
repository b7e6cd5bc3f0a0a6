import { describe, expect, it } from 'vitest';
import { MAX_JSON_CHARS, MAX_JSON_DEPTH, readJsonObject, writeOwnedMembers, type JsonObjectSource } from '../../shared/json-object-text';
import { prng } from '../support/prng';

function read(text: string): { value: Record<string, unknown>; source: JsonObjectSource } {
  const reading = readJsonObject(text);
  if (!reading.ok) throw new Error(`expected ${JSON.stringify(text)} to read, got: ${reading.problem}`);
  return reading;
}

function problemOf(text: string): string {
  const reading = readJsonObject(text);
  if (reading.ok) throw new Error(`expected ${JSON.stringify(text).slice(0, 80)} to be refused`);
  return reading.problem;
}

describe('readJsonObject', () => {
  it('gives each top-level member its key, exact source text and parsed value', () => {
    const text = '{ "big": 12345678901234567890, "one": 1.0, "e": "caf\\u00e9", "n": {"a": [1, 2e3]} }';
    const { value, source } = read(text);
    expect(source.members.map((m) => [m.key, m.raw])).toEqual([
      ['big', '12345678901234567890'],
      ['one', '1.0'],
      ['e', '"caf\\u00e9"'],
      ['n', '{"a": [1, 2e3]}'],
    ]);
    expect(value).toEqual(JSON.parse(text));
    expect(text.slice(source.closeAt)).toBe('}');
  });

  it('parses exactly what JSON.parse parses, for every scalar form', () => {
    const text = '{"a":-0,"b":0.5e-3,"c":1E+2,"d":true,"e":false,"f":null,"g":"\\"\\\\\\/\\b\\f\\n\\r\\t\\ud83d\\ude00","h":[],"i":{}}';
    expect(read(text).value).toEqual(JSON.parse(text));
  });

  it('keeps __proto__ as an own member, as JSON.parse does, never as the prototype', () => {
    const { value } = read('{"__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['an empty text', ''],
    ['a trailing comma', '{"a":1,}'],
    ['single quotes', "{'a':1}"],
    ['a leading zero', '{"a":01}'],
    ['a bare minus', '{"a":-}'],
    ['NaN', '{"a":NaN}'],
    ['a raw newline in a string', '{"a":"x\ny"}'],
    ['an unknown escape', '{"a":"\\x41"}'],
    ['a short \\u escape', '{"a":"\\u12"}'],
    ['text after the object', '{"a":1} {}'],
    ['an unclosed string', '{"a":"x'],
    ['an unclosed object', '{"a":1'],
    ['a missing colon', '{"a" 1}'],
  ])('refuses %s as invalid JSON, as JSON.parse does', (_what, text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(problemOf(text)).toMatch(/^is not valid JSON \(.+\)$/);
  });

  it('names the JSON type of a value that is not an object', () => {
    expect(problemOf('[1]')).toBe('is JSON array, not a JSON object');
    expect(problemOf('"x"')).toBe('is JSON string, not a JSON object');
    expect(problemOf(' null ')).toBe('is JSON null, not a JSON object');
  });

  it('attack: duplicate keys at the top level are refused, naming the key', () => {
    expect(problemOf('{"host":"a","port":1,"host":"b"}')).toBe('has key "host" twice; JSON readers disagree on which one counts, so keywarden refuses it');
  });

  it('attack: duplicate keys deep inside arrays and objects are refused, naming the path', () => {
    expect(problemOf('{"keys":[{"kid":"a"},{"kid":"b","alg":"x","kid":"c"}]}')).toContain('has key "keys[1].kid" twice');
    expect(problemOf('{"a":{"b":{"c":1,"c":1}}}')).toContain('has key "a.b.c" twice');
  });

  it('attack: a duplicate key spelled with escapes ("\\u0068ost") is still a duplicate', () => {
    expect(problemOf('{"host":"a","\\u0068ost":"b"}')).toContain('has key "host" twice');
  });

  it('attack: a duplicate key that is not a short plain word is named by position only', () => {
    const secretKey = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const problem = problemOf(`{"a":1,"${secretKey}":1,"${secretKey}":2}`);
    expect(problem).toContain('has key "<member 3>" twice');
    expect(problem).not.toContain(secretKey);
  });

  it(`attack: nesting deeper than ${MAX_JSON_DEPTH} levels is refused without exhausting the stack`, () => {
    const deep = (levels: number) => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(read(deep(MAX_JSON_DEPTH)).source.members).toHaveLength(1);
    expect(problemOf(deep(MAX_JSON_DEPTH + 1))).toMatch(new RegExp(`^nests deeper than ${MAX_JSON_DEPTH} levels at a(\\[0\\])+$`));
    expect(problemOf(`{"a":${'['.repeat(200_000)}`)).toMatch(/^is longer than|^nests deeper/);
    expect(problemOf(`{"a":${'['.repeat(60_000)}${']'.repeat(60_000)}}`)).toBe(`is longer than ${MAX_JSON_CHARS} characters`);
  });

  it('attack: a text longer than Secrets Manager allows is refused before it is read', () => {
    expect(problemOf(`{"a":"${'x'.repeat(MAX_JSON_CHARS)}"}`)).toBe(`is longer than ${MAX_JSON_CHARS} characters`);
  });

  it('attack: huge numbers keep their exact text, whatever the parsed value rounds to', () => {
    const huge = `9${'0'.repeat(400)}`;
    const { value, source } = read(`{"n":${huge},"e":1e400,"t":-1e-400}`);
    expect(source.members.map((m) => m.raw)).toEqual([huge, '1e400', '-1e-400']);
    expect(value.e).toBe(Infinity);
    expect(writeOwnedMembers(source, { x: 1 })).toBe(`{"n":${huge},"e":1e400,"t":-1e-400,"x":1}`);
  });

  it('attack: lone surrogates, escaped or raw, in keys or values are refused', () => {
    expect(problemOf('{"a":"\\ud800"}')).toContain('lone surrogate');
    expect(problemOf('{"a":"\\udc00\\ud800"}')).toContain('lone surrogate');
    expect(problemOf('{"\\ud800x":1}')).toContain('lone surrogate');
    expect(problemOf('{"a":"\\ud800\\u0041"}')).toContain('lone surrogate');
    expect(problemOf(`{"a":"x\ud800"}`)).toContain('lone surrogate');
    expect(problemOf(`{"a":"x\udc00y"}`)).toContain('lone surrogate');
    expect(read('{"a":"\\ud83d\\ude00 \ud83d\ude00"}').value.a).toBe('\u{1f600} \u{1f600}');
  });
});

describe('writeOwnedMembers', () => {
  it('replaces an owned member in place and appends new ones, keeping everything else byte for byte', () => {
    const text = '{\n  "host" : "db",\n  "password": "old",\t"id": 12345678901234567890\n}\n';
    const { source } = read(text);
    expect(writeOwnedMembers(source, { password: 'new', added: [1] })).toBe('{\n  "host" : "db",\n  "password": "new",\t"id": 12345678901234567890,"added":[1]\n}\n');
  });

  it('writes into an empty object without a stray comma', () => {
    expect(writeOwnedMembers(read(' { } ').source, { a: 1, b: 'x' })).toBe(' { "a":1,"b":"x"} ');
  });

  it('keeps the original key text (escapes included) of a member it replaces', () => {
    expect(writeOwnedMembers(read('{"p\\u0061ssword":"old"}').source, { password: 'new' })).toBe('{"p\\u0061ssword":"new"}');
  });

  it('refuses an owned value with no JSON form, rather than dropping the member', () => {
    expect(() => writeOwnedMembers(read('{}').source, { a: undefined })).toThrow(TypeError);
  });

  it('fuzz: random JSON objects round-trip byte for byte, and only owned members change', () => {
    const random = prng(0x5eed);
    for (let round = 0; round < 500; round += 1) {
      const text = randomObjectText(random, 0);
      const { value, source } = read(text);
      expect(value).toEqual(JSON.parse(text));
      expect(writeOwnedMembers(source, {})).toBe(text);
      const target = source.members[Math.floor(random() * source.members.length)];
      if (!target) continue;
      const rewritten = writeOwnedMembers(source, { [target.key]: 'rotated' });
      const again = read(rewritten).source;
      expect(again.members.map((m) => [m.key, m.key === target.key ? JSON.parse(m.raw) : m.raw])).toEqual(
        source.members.map((m) => [m.key, m.key === target.key ? 'rotated' : m.raw]),
      );
    }
  });
});

const SPACES = ['', ' ', '\n  ', '\t', '\r\n'];
const NUMBERS = ['0', '-0', '1.0', '12345678901234567890', '-1.50e+10', '3E-7', '9007199254740993', '0.1000'];
const STRINGS = ['""', '"plain"', '"caf\\u00e9"', '"\\ud83d\\ude00"', '"q\\"uote\\\\"', '"\\/slash"', '"tab\\t"', '"ü€"'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A JSON object text with odd spacing, exact-text numbers and escapes; unique keys per object. */
function randomObjectText(random: () => number, depth: number): string {
  const count = Math.floor(random() * (depth === 0 ? 8 : 4));
  const members = Array.from({ length: count }, (_, i) => {
    const key = random() < 0.2 ? `"k\\u00${(0x30 + i).toString(16)}${i}"` : `"key${i}"`;
    return `${pick(random, SPACES)}${key}${pick(random, SPACES)}:${pick(random, SPACES)}${randomValueText(random, depth + 1)}${pick(random, SPACES)}`;
  });
  return `${pick(random, SPACES)}{${members.join(',') || pick(random, SPACES)}}${pick(random, SPACES)}`;
}

function randomValueText(random: () => number, depth: number): string {
  const kind = depth > 3 ? Math.floor(random() * 3) : Math.floor(random() * 5);
  if (kind === 0) return pick(random, NUMBERS);
  if (kind === 1) return pick(random, STRINGS);
  if (kind === 2) return pick(random, ['true', 'false', 'null']);
  if (kind === 3) return `[${Array.from({ length: Math.floor(random() * 3) }, () => randomValueText(random, depth + 1)).join(`,${pick(random, SPACES)}`)}]`;
  return randomObjectText(random, depth).trim();
}
