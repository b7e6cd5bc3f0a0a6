import { randomInt } from 'node:crypto';

/**
 * Random characters for generated secrets. Every character comes from `crypto.randomInt`, which
 * rejects out-of-range draws instead of reducing a byte modulo the alphabet size: `byte % 62`
 * would make the first 8 characters 25% likelier than the rest and shave entropy off every key.
 */

/** Digits, upper, lower: the alphabet of API key bodies and checksums (URL- and shell-safe). */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * `length` characters drawn uniformly and independently from `alphabet`. The alphabet is split by
 * code point, so characters outside the BMP count once; duplicates are refused because they would
 * silently weight a character double.
 */
export function randomChars(alphabet: string, length: number): string {
  const symbols = distinctSymbols(alphabet);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('length must be a non-negative integer');
  let out = '';
  for (let i = 0; i < length; i += 1) out += symbols[randomInt(symbols.length)];
  return out;
}

function distinctSymbols(alphabet: string): string[] {
  const symbols = Array.from(alphabet);
  if (symbols.length < 2) throw new RangeError('alphabet needs at least two characters');
  if (new Set(symbols).size !== symbols.length) throw new RangeError('alphabet has a repeated character');
  return symbols;
}
