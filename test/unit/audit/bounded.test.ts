import { describe, expect, it } from 'vitest';
import { boundedText, isBounded } from '../../../shared/audit/bounded';

describe('boundedText', () => {
  it('keeps a value that fits, unchanged', () => {
    expect(boundedText('app/tenant-1/db', 1024)).toBe('app/tenant-1/db');
  });

  it.each([
    ['1,200 ASCII characters', 'a'.repeat(1200)],
    ['3,000 two-byte characters', 'é'.repeat(3000)],
    ['astral characters (surrogate pairs) at the cut', '😀'.repeat(600)],
    ['control characters', '\u0000\u0001\u001b'.repeat(700)],
  ])('attack: %s -> at most the byte budget, a readable prefix, whole characters, a hash', (_name, value) => {
    const bounded = boundedText(value, 1024);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeLessThanOrEqual(1024);
    expect(value.startsWith(bounded.slice(0, bounded.indexOf('…#')))).toBe(true);
    expect((bounded as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    expect(isBounded(bounded)).toBe(true);
    expect(boundedText(value, 1024)).toBe(bounded);
  });

  it('attack: two long values sharing their first 2,000 characters -> two different bounded values', () => {
    const prefix = 'x'.repeat(2000);
    expect(boundedText(`${prefix}a`, 1024)).not.toBe(boundedText(`${prefix}b`, 1024));
  });
});
