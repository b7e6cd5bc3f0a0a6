import { rememberSecret } from '../../redact';
import { randomChars } from './random';
import { badTag, integerTag, listTag, rawTag, type TaggedSecret } from './tag-options';

/** Password length in characters: 12..4096, default 32. */
export const PASSWORD_LENGTH_TAG = 'keywarden:password-length';
/** Characters never used, replacing the default set; an empty value excludes nothing. */
export const PASSWORD_EXCLUDE_TAG = 'keywarden:password-exclude';
/** Character classes the password is drawn from, each at least once: lower,upper,digit,symbol. */
export const PASSWORD_REQUIRE_TAG = 'keywarden:password-require';

/** The character classes a policy can require. */
export type CharacterClass = 'lower' | 'upper' | 'digit' | 'symbol';

const CLASS_CHARACTERS: Readonly<Record<CharacterClass, string>> = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digit: '0123456789',
  symbol: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};
const ALL_CLASSES: readonly CharacterClass[] = ['lower', 'upper', 'digit', 'symbol'];

/**
 * Characters left out unless the secret's tags say otherwise, because each breaks a common way
 * of handing a password over: double and single quotes, backtick and space end a quoted or
 * unquoted string (shell, libpq key=value, SQL); backslash escapes; `$` expands in shells and
 * some .env loaders; `/ @ : ? # [ ] %` are URL delimiters in `postgres://user:password@host/db`;
 * `& = + ;` split query strings, JDBC and ADO.NET connection strings (`+` also decodes to a
 * space). The symbols left, `! ( ) * , - . < > ^ _ { | } ~`, still make a class of 15.
 */
export const DEFAULT_PASSWORD_EXCLUDE = '"\'`\\/@:?#[]% $&;=+';

/** What a generated password must look like; read from the secret's tags. */
export interface PasswordPolicy {
  length: number;
  classes: CharacterClass[];
  /** The characters the password is drawn from: the required classes minus the excluded characters. */
  alphabet: string;
}

/** Reads and checks the policy in the secret's tags; throws ConfigError naming the bad tag. */
export function passwordPolicy(secret: TaggedSecret): PasswordPolicy {
  const length = integerTag(secret, PASSWORD_LENGTH_TAG, { fallback: 32, min: 12, max: 4096 });
  const classes = listTag(secret, PASSWORD_REQUIRE_TAG, ALL_CLASSES, ALL_CLASSES);
  const exclude = rawTag(secret, PASSWORD_EXCLUDE_TAG) ?? DEFAULT_PASSWORD_EXCLUDE;
  const excluded = new Set(Array.from(exclude));
  for (const characterClass of classes) {
    if (Array.from(CLASS_CHARACTERS[characterClass]).every((char) => excluded.has(char))) {
      const expected = `a set of characters that leaves some ${characterClass} characters, which ${PASSWORD_REQUIRE_TAG} requires`;
      throw badTag(secret, PASSWORD_EXCLUDE_TAG, exclude, expected);
    }
  }
  const alphabet = classes.flatMap((c) => Array.from(CLASS_CHARACTERS[c])).filter((char) => !excluded.has(char));
  return { length, classes, alphabet: alphabet.join('') };
}

/** Generous: even one allowed character per class at length 12 succeeds within a few dozen draws. */
const MAX_ATTEMPTS = 10_000;

/**
 * A password drawn uniformly from every password of the policy's length over its alphabet that
 * contains each required class. Redrawing until the classes are present keeps that uniformity;
 * planting one character per class and shuffling would not (it favours small classes).
 */
export function generatePassword(policy: PasswordPolicy): string {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const candidate = randomChars(policy.alphabet, policy.length);
    if (missingClasses(candidate, policy).length === 0) {
      rememberSecret(candidate);
      return candidate;
    }
  }
  throw new Error(`no password with every class of ${policy.classes.join(', ')} after ${MAX_ATTEMPTS} draws`);
}

/**
 * What is wrong with `password` under `policy`, as phrases that never quote the password or any
 * character of it; empty when it complies.
 */
export function passwordPolicyViolations(password: string, policy: PasswordPolicy): string[] {
  const characters = Array.from(password);
  const problems: string[] = [];
  if (characters.length !== policy.length) problems.push(`is ${characters.length} characters long, expected ${policy.length}`);
  const allowed = new Set(Array.from(policy.alphabet));
  if (characters.some((char) => !allowed.has(char))) problems.push('contains a character outside the allowed set');
  for (const characterClass of missingClasses(password, policy)) problems.push(`has no ${characterClass} character`);
  return problems;
}

function missingClasses(password: string, policy: PasswordPolicy): CharacterClass[] {
  return policy.classes.filter((c) => !Array.from(password).some((char) => CLASS_CHARACTERS[c].includes(char)));
}
