import { ConfigError } from '../../errors';

/**
 * Strategy options live in the secret's own tags (`keywarden:*`), so a policy travels with the
 * secret and changes without a deploy. A malformed tag stops the rotation with a message that
 * names the secret, the tag and what is allowed: guessing a default would hide the mistake until
 * a consumer rejects the new value. Tag values are metadata, not secrets, so a short excerpt of
 * the bad value is quoted to make the fix obvious.
 */

/** The secret a tag belongs to, as much of a RotationContext as option reading needs. */
export interface TaggedSecret {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** An integer tag within [min, max], e.g. `keywarden:password-length=48`. */
export function integerTag(secret: TaggedSecret, tag: string, limits: { fallback: number; min: number; max: number }): number {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return limits.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= limits.min && value <= limits.max)) {
    throw badTag(secret, tag, raw, `an integer from ${limits.min} to ${limits.max}`);
  }
  return value;
}

/** One of a fixed set of words, e.g. `keywarden:jwt-alg=RS256`. Case matters, as in JOSE. */
export function choiceTag<T extends string>(secret: TaggedSecret, tag: string, allowed: readonly T[], fallback: T): T {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw badTag(secret, tag, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
}

/**
 * A set of words, e.g. `keywarden:password-require=lower,upper,digit`. Commas or spaces separate
 * them, because some tooling around AWS tags discourages commas.
 */
export function listTag<T extends string>(
  secret: TaggedSecret,
  tag: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return [...fallback];
  const words = splitWords(raw);
  const expected = `a comma-separated list of ${allowed.join(', ')}`;
  if (words.length === 0 || words.some((word) => !(allowed as readonly string[]).includes(word))) {
    throw badTag(secret, tag, raw, expected);
  }
  return [...new Set(words as T[])];
}

/**
 * Words of free form, each matching `rule.pattern`, separated like {@link listTag}'s (e.g. kids
 * in `keywarden:keyring-reencrypted`); empty when the tag is absent.
 */
export function wordsTag(secret: TaggedSecret, tag: string, rule: { pattern: RegExp; expected: string }): string[] {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return [];
  const words = splitWords(raw);
  if (words.some((word) => !rule.pattern.test(word))) throw badTag(secret, tag, raw, rule.expected);
  return [...new Set(words)];
}

function splitWords(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((word) => word.length > 0);
}

/** A string matching `pattern`, described to the user as `expected`. */
export function patternTag(
  secret: TaggedSecret,
  tag: string,
  rule: { pattern: RegExp; expected: string; fallback: string },
): string {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return rule.fallback;
  if (!rule.pattern.test(raw)) throw badTag(secret, tag, raw, rule.expected);
  return raw;
}

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 };

/** A duration in seconds: `3600`, `90s`, `15m`, `1h` or `7d`. */
export function durationTag(
  secret: TaggedSecret,
  tag: string,
  limits: { fallbackSeconds: number; minSeconds: number; maxSeconds: number },
): number {
  const raw = tagValue(secret, tag);
  if (raw === undefined) return limits.fallbackSeconds;
  const match = /^(\d{1,9})\s*([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * (SECONDS_PER_UNIT[match[2] ?? ''] ?? Number.NaN) : Number.NaN;
  if (!(seconds >= limits.minSeconds && seconds <= limits.maxSeconds)) {
    const range = `${limits.minSeconds}s to ${limits.maxSeconds}s`;
    throw badTag(secret, tag, raw, `a duration such as 3600, 90s, 15m, 1h or 7d, from ${range}`);
  }
  return seconds;
}

/**
 * The raw, untrimmed value of a tag, or undefined when the tag is absent. For tags whose value is
 * a set of characters, where a space may be one of them.
 */
export function rawTag(secret: TaggedSecret, tag: string): string | undefined {
  return Object.hasOwn(secret.tags, tag) ? secret.tags[tag] : undefined;
}

/** Builds the error every option reader throws, for checks that span several tags. */
export function badTag(secret: TaggedSecret, tag: string, raw: string, expected: string): ConfigError {
  return new ConfigError(`secret ${secret.name}: tag ${tag} must be ${expected}; it is ${excerpt(raw)}`);
}

function tagValue(secret: TaggedSecret, tag: string): string | undefined {
  return rawTag(secret, tag)?.trim();
}

function excerpt(raw: string): string {
  return raw.length > 40 ? `${JSON.stringify(raw.slice(0, 40))}…` : JSON.stringify(raw);
}
