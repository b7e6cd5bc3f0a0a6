import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/errors';
import { choiceTag, durationTag, integerTag, listTag, patternTag, rawTag } from '../../../../shared/rotation/values/tag-options';
import { errorOf } from '../../../support/strategy-context';

const secret = (tags: Record<string, string>) => ({ name: 'app/tenant-1/thing', tags });

describe('tag options', () => {
  it('fall back to the default when the tag is absent', () => {
    const none = secret({ 'other:tag': 'x' });
    expect(integerTag(none, 'keywarden:n', { fallback: 7, min: 1, max: 9 })).toBe(7);
    expect(choiceTag(none, 'keywarden:c', ['a', 'b'], 'b')).toBe('b');
    expect(listTag(none, 'keywarden:l', ['a', 'b'], ['a'])).toEqual(['a']);
    expect(durationTag(none, 'keywarden:d', { fallbackSeconds: 60, minSeconds: 1, maxSeconds: 100 })).toBe(60);
    expect(rawTag(none, 'keywarden:r')).toBeUndefined();
  });

  it('read integers within limits and refuse others, naming secret, tag and range', () => {
    expect(integerTag(secret({ 'keywarden:n': ' 9 ' }), 'keywarden:n', { fallback: 7, min: 1, max: 9 })).toBe(9);
    for (const bad of ['10', '0', '-1', '3.5', 'abc', '', '1e3']) {
      const error = errorOf(() => integerTag(secret({ 'keywarden:n': bad }), 'keywarden:n', { fallback: 7, min: 1, max: 9 }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('app/tenant-1/thing');
      expect(error.message).toContain('keywarden:n');
      expect(error.message).toContain('from 1 to 9');
    }
  });

  it('read choices case-sensitively and list the allowed values when refusing', () => {
    expect(choiceTag(secret({ 'keywarden:c': 'a' }), 'keywarden:c', ['a', 'b'], 'b')).toBe('a');
    const error = errorOf(() => choiceTag(secret({ 'keywarden:c': 'A' }), 'keywarden:c', ['a', 'b'], 'b'));
    expect(error.message).toMatch(/keywarden:c must be one of a, b; it is "A"/);
  });

  it('read lists separated by commas or spaces, without duplicates', () => {
    expect(listTag(secret({ 'keywarden:l': 'b, a b' }), 'keywarden:l', ['a', 'b', 'c'], ['c'])).toEqual(['b', 'a']);
    const error = errorOf(() => listTag(secret({ 'keywarden:l': 'a,z' }), 'keywarden:l', ['a', 'b'], ['a']));
    expect(error.message).toContain('keywarden:l must be a comma-separated list of a, b');
    expect(() => listTag(secret({ 'keywarden:l': ' , ' }), 'keywarden:l', ['a'], ['a'])).toThrow(ConfigError);
  });

  it('read durations with units', () => {
    const read = (value: string) => durationTag(secret({ 'keywarden:d': value }), 'keywarden:d', { fallbackSeconds: 1, minSeconds: 1, maxSeconds: 30 * 86_400 });
    expect(read('90')).toBe(90);
    expect(read('90s')).toBe(90);
    expect(read('15m')).toBe(900);
    expect(read('1h')).toBe(3_600);
    expect(read('7d')).toBe(604_800);
    for (const bad of ['0', '1w', 'soon', '31d', '-5m', '1.5h']) {
      expect(() => read(bad), bad).toThrow(/keywarden:d must be a duration such as 3600, 90s, 15m, 1h or 7d/);
    }
  });

  it('read patterns and quote only a short excerpt of a bad value', () => {
    const rule = { pattern: /^[a-z]{2,4}$/, expected: '2 to 4 lowercase letters', fallback: 'zz' };
    expect(patternTag(secret({ 'keywarden:p': 'abc' }), 'keywarden:p', rule)).toBe('abc');
    const error = errorOf(() => patternTag(secret({ 'keywarden:p': 'x'.repeat(200) }), 'keywarden:p', rule));
    expect(error.message).toContain('2 to 4 lowercase letters');
    expect(error.message).not.toContain('x'.repeat(41));
  });

  it('keeps raw values untrimmed, so a space can be one of a set of characters', () => {
    expect(rawTag(secret({ 'keywarden:r': ' ab ' }), 'keywarden:r')).toBe(' ab ');
  });
});
