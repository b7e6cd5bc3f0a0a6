import { createHash } from 'node:crypto';

/**
 * Every string in a CloudTrail record is written by whoever made the call, denied calls included,
 * so nothing taken from one may be longer than the place it goes: a DynamoDB key (1,024 bytes for
 * a sort key, 2,048 for a partition key), an item (400 KB), a log field or a finding. A string
 * over its budget keeps a readable prefix for people and ends in a hash of the whole value, so two
 * long values that share a prefix stay two values (two secrets, two principals), and the same
 * value always bounds to the same text (a redelivery finds its own key).
 */

/** What marks a bounded value: `<prefix>…#<24 hex characters of SHA-256 of the whole value>`. */
const MARK = '…#';
const HASH_HEX = 24;
/** Bytes of the mark and hash: `…` is 3 bytes in UTF-8. */
const SUFFIX_BYTES = 3 + 1 + HASH_HEX;

/** Whether `value` already fits `maxBytes` of UTF-8 (cheap for the common short ASCII value). */
export function fitsBytes(value: string, maxBytes: number): boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
  return value.length * 3 <= maxBytes || Buffer.byteLength(value, 'utf8') <= maxBytes;
}

/**
 * `value` if it fits `maxBytes` of UTF-8, else its longest prefix that leaves room for the mark
 * and hash (never splitting a character), then `…#<hash>`. The result is at most `maxBytes`.
 */
export function boundedText(value: string, maxBytes: number): string {
  if (fitsBytes(value, maxBytes)) return value;
  if (maxBytes < SUFFIX_BYTES + 1) throw new RangeError(`a bound needs at least ${SUFFIX_BYTES + 1} bytes`);
  const hash = createHash('sha256').update(value).digest('hex').slice(0, HASH_HEX);
  return `${utf8Prefix(value, maxBytes - SUFFIX_BYTES)}${MARK}${hash}`;
}

/** Whether a value was bounded by {@link boundedText} (it ends in the mark and a hash). */
export function isBounded(value: string): boolean {
  return value.length > MARK.length + HASH_HEX && value.slice(-(HASH_HEX + MARK.length), -HASH_HEX) === MARK && /^[0-9a-f]+$/.test(value.slice(-HASH_HEX));
}

/** The longest prefix of `value` whose UTF-8 encoding is at most `maxBytes`, whole characters only. */
export function utf8Prefix(value: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const code = char.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}
