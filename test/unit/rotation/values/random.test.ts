import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BASE62, randomChars } from '../../../../shared/rotation/values/random';
import { chiSquareUniform } from '../../../support/strategy-context';

/** 200 distinct one-unit characters: 256 is not a multiple of 200, so `byte % 200` is visibly biased. */
const WIDE_ALPHABET = Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x100 + i)).join('');

describe('randomChars', () => {
  it('draws the requested number of characters from the alphabet only', () => {
    const out = randomChars('abc', 500);
    expect(out).toHaveLength(500);
    expect(out).toMatch(/^[abc]+$/);
  });

  it('is uniform over base62: every character appears and chi-square stays in bounds', () => {
    const sample = randomChars(BASE62, 62 * 1_000);
    const result = chiSquareUniform(sample, Array.from(BASE62));
    expect(result.missing).toEqual([]);
    expect(result.statistic).toBeLessThan(result.bound);
  });

  it('is uniform over a 200-character alphabet, where modulo bias would be glaring', () => {
    const sample = randomChars(WIDE_ALPHABET, 20_000);
    const result = chiSquareUniform(sample, Array.from(WIDE_ALPHABET));
    expect(result.missing).toEqual([]);
    expect(result.statistic).toBeLessThan(result.bound);
  });

  it('uses a test that does catch modulo bias (so the checks above can fail)', () => {
    const symbols = Array.from(WIDE_ALPHABET);
    const biased = Array.from(randomBytes(20_000), (byte) => symbols[byte % symbols.length] ?? '');
    const result = chiSquareUniform(biased, symbols);
    expect(result.statistic).toBeGreaterThan(result.bound);
  });

  it('counts characters outside the BMP once', () => {
    const out = Array.from(randomChars('😀😎', 50));
    expect(out).toHaveLength(50);
    expect(new Set(out)).toEqual(new Set(['😀', '😎']));
  });

  it('refuses alphabets that would weight or fix the output', () => {
    expect(() => randomChars('aab', 4)).toThrow(/repeated/);
    expect(() => randomChars('a', 4)).toThrow(/at least two/);
    expect(() => randomChars('ab', -1)).toThrow(RangeError);
  });
});
