import { rememberSecret } from '../redact';
import type { SecretValueReader } from './inventory';
import { WELL_KNOWN_VALUES } from './well-known-values';
import { mapBounded } from '../concurrency';

/**
 * The hygiene check: does a secret hold a placeholder, a default or a weak value? It READS
 * VALUES, so it is opt-in: `KEYWARDEN_HYGIENE=tagged` (the default) checks only secrets tagged
 * `keywarden:hygiene=check`, `all` checks every secret except those tagged
 * `keywarden:hygiene=skip`, `off` reads nothing. A result names the secret, where in the value
 * the weak string sits, and a fixed reason; the value is never kept, returned or printed, and is
 * remembered for redaction like every value keywarden reads.
 *
 * Keys of a secret's JSON are attacker text too (a key can be the secret itself), so the place
 * is described, never copied: each step of the path is a word from {@link KNOWN_FIELD_NAMES},
 * written as that list spells it, or `(field n)` by position; array indices are numbers. At most
 * {@link MAX_ISSUES} issues are reported per secret, and a value is walked at most
 * {@link MAX_DEPTH} levels deep, so a hostile value cannot inflate a finding or the scan.
 */

/** Which secrets the hygiene check reads. */
export const HYGIENE_MODES = ['off', 'tagged', 'all'] as const;
export type HygieneMode = (typeof HYGIENE_MODES)[number];

/** The opt-in (or, in `all` mode, opt-out) tag. */
export const HYGIENE_TAG = 'keywarden:hygiene';

/** Fixed reasons; none says anything about the value beyond the category. */
export const HYGIENE_REASONS = {
  placeholder: 'looks like a placeholder (e.g. "your-...-here", "changeme")',
  'well-known': 'is a well-known default or sample value',
  'too-short': `is shorter than 12 characters`,
  'low-entropy': 'has too little variety to be random (repeated or sequential characters)',
} as const;
export type HygieneReason = keyof typeof HYGIENE_REASONS;

/** One thing wrong with a secret's value. */
export interface HygieneIssue {
  /**
   * Where the weak string sits: `password`, `keys[0].secret`, `(field 3)`, or `(value)` for a
   * plain-text secret. Built from keywarden's own words, never copied from the secret.
   */
  field: string;
  reason: HygieneReason;
}

/** The hygiene result for one secret. */
export interface HygieneResult {
  arn: string;
  name: string;
  /** `checked` read the value; `skipped` could not (the reason says why, e.g. AccessDenied). */
  outcome: 'checked' | 'skipped';
  issues: HygieneIssue[];
  skippedBecause?: string;
}

const MIN_LENGTH = 12;
/** The most issues reported for one secret. */
export const MAX_ISSUES = 10;
/** How deep a JSON value is walked; deeper members are not checked. */
const MAX_DEPTH = 16;
/** The most path steps a description shows; deeper ones become `…`. */
const MAX_PATH_STEPS = 4;
/**
 * Field names a finding may show: common names of secret fields and of the containers they sit
 * in. Matched without regard to case and shown as spelled here, so what a finding prints is
 * always one of these words.
 */
export const KNOWN_FIELD_NAMES = [
  'password', 'passwd', 'pwd', 'secret', 'token', 'apiKey', 'api_key', 'key', 'keys', 'privateKey', 'private_key',
  'clientSecret', 'client_secret', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'credentials',
  'credential', 'value', 'data', 'k', 'd', 'webhookUrl', 'routingKey', 'connectionString', 'dsn', 'url', 'username',
  'host', 'engine', 'dbname', 'auth', 'signingKey', 'encryptionKey', 'masterKey', 'sessionSecret', 'jwtSecret',
] as const;
const KNOWN_BY_LOWERCASE = new Map<string, string>(KNOWN_FIELD_NAMES.map((name) => [name.toLowerCase(), name]));
/** Bits of empirical (Shannon) entropy below which a value is not random-looking. */
const MIN_ENTROPY_BITS = 36;
/** Keys of JSON secrets that hold no secret (AWS's database secret layout and common others). */
const NON_SECRET_FIELDS = new Set(['username', 'user', 'host', 'hostname', 'port', 'engine', 'dbname', 'database', 'dbclusteridentifier', 'dbinstanceidentifier', 'masterarn', 'ssl', 'kid', 'alg', 'kty', 'use', 'url', 'uri', 'endpoint', 'region', 'created', 'createdat', 'expires', 'expiresat', 'notbefore', 'version', 'active', 'previous']);
/** Keys that certainly hold secrets: when a JSON secret has any, only those are checked. */
const SECRET_FIELD = /pass|secret|token|credential|private|key$|^key|apikey/i;
const PLACEHOLDERS: readonly RegExp[] = [
  /^your[\s_-]/i,
  /^(change[\s_-]?me|change[\s_-]?it|replace[\s_-]?me|placeholder|fill[\s_-]?me[\s_-]?in|to[\s_-]?do|tbd|fixme|dummy|example|sample|none|null|undefined|n\/?a|secret|password)$/i,
  /(^|[\s_-])(changeme|placeholder|replaceme|example|dummy|redacted)([\s_-]|$)/i,
  /^<[^<>]+>$/,
  /^\$\{[^{}]+\}$/,
  /^\{\{[^{}]+\}\}$/,
  /^[x*#.?-]+$/i,
];

/** Whether a secret is to be checked in `mode`. */
export function wantsHygiene(tags: Readonly<Record<string, string>>, mode: HygieneMode): boolean {
  const tag = tags[HYGIENE_TAG]?.trim().toLowerCase();
  if (mode === 'all') return tag !== 'skip';
  if (mode === 'tagged') return tag === 'check' || tag === 'true';
  return false;
}

/** What is wrong with a secret value; an empty list when nothing is. */
export function checkValue(value: string): HygieneIssue[] {
  const issues: HygieneIssue[] = [];
  for (const leaf of fieldsToCheck(value)) {
    const reason = weakness(leaf.text);
    if (reason) issues.push({ field: describePath(leaf.path), reason });
    if (issues.length === MAX_ISSUES) break;
  }
  return issues;
}

/** Reads and checks the given secrets, a few at a time; a read that fails skips that secret. */
export async function runHygiene(
  secrets: ReadonlyArray<{ arn: string; name: string }>,
  reader: SecretValueReader,
  concurrency = 8,
): Promise<HygieneResult[]> {
  return mapBounded(secrets, concurrency, ({ arn, name }) => checkOne(arn, name, reader));
}

async function checkOne(arn: string, name: string, reader: SecretValueReader): Promise<HygieneResult> {
  let value: string | undefined;
  try {
    value = await reader.readCurrent(arn);
  } catch (error) {
    // The error names the secret and the service's code; the value was never read.
    return { arn, name, outcome: 'skipped', issues: [], skippedBecause: `could not read the value (${errorCode(error)})` };
  }
  if (value === undefined) return { arn, name, outcome: 'skipped', issues: [], skippedBecause: 'no string value (binary or no AWSCURRENT version)' };
  rememberSecret(value);
  return { arn, name, outcome: 'checked', issues: checkValue(value) };
}

/** An AWS error code such as `AccessDeniedException`; anything else is just `Error`. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown; name?: unknown } | null)?.code ?? (error as { name?: unknown } | null)?.name;
  return typeof code === 'string' && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(code) ? code : 'Error';
}

/** One step of a path: a key with its position among its object's members, or an array index. */
type PathStep = { key: string; position: number } | number;

interface Leaf {
  path: PathStep[];
  text: string;
}

function fieldsToCheck(value: string): Leaf[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [{ path: [], text: value }];
  }
  if (!parsed || typeof parsed !== 'object') return [{ path: [], text: value }];
  const leaves: Leaf[] = [];
  collect(parsed, [], leaves);
  const secretLooking = leaves.filter((leaf) => SECRET_FIELD.test(lastKey(leaf.path)));
  if (secretLooking.length > 0) return secretLooking;
  return leaves.filter((leaf) => !NON_SECRET_FIELDS.has(lastKey(leaf.path).toLowerCase()));
}

function collect(node: unknown, path: PathStep[], out: Leaf[]): void {
  if (typeof node === 'string') out.push({ path, text: node });
  else if (path.length >= MAX_DEPTH) return;
  else if (Array.isArray(node)) node.forEach((item, i) => collect(item, [...path, i], out));
  else if (node && typeof node === 'object') {
    Object.entries(node).forEach(([key, child], position) => collect(child, [...path, { key, position }], out));
  }
}

/** The key nearest the leaf (the one an array sits under, for an array item); '' for none. */
function lastKey(path: readonly PathStep[]): string {
  for (let i = path.length - 1; i >= 0; i -= 1) {
    const step = path[i]!;
    if (typeof step !== 'number') return step.key;
  }
  return '';
}

/** A path in keywarden's own words: known names as spelled in the list, `(field n)`, `[i]`. */
function describePath(path: readonly PathStep[]): string {
  if (path.length === 0) return '(value)';
  const shown = path.length > MAX_PATH_STEPS ? path.slice(path.length - MAX_PATH_STEPS) : path;
  let out = path.length > MAX_PATH_STEPS ? '…' : '';
  for (const step of shown) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += `${out && !out.endsWith('…') ? '.' : ''}${KNOWN_BY_LOWERCASE.get(step.key.toLowerCase()) ?? `(field ${step.position + 1})`}`;
  }
  return out;
}

function weakness(text: string): HygieneReason | undefined {
  const trimmed = text.trim();
  if (WELL_KNOWN_VALUES.has(trimmed.toLowerCase())) return 'well-known';
  if (PLACEHOLDERS.some((pattern) => pattern.test(trimmed))) return 'placeholder';
  if (trimmed.length < MIN_LENGTH) return 'too-short';
  if (entropyBits(trimmed) < MIN_ENTROPY_BITS || mostlySequential(trimmed)) return 'low-entropy';
  return undefined;
}

/** Empirical Shannon entropy of the characters, times the length. */
export function entropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...text].length;
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / length;
    perChar -= p * Math.log2(p);
  }
  return perChar * length;
}

/** `1234567890abcdef`, `aaaabbbb`: most neighbours equal or one apart. */
function mostlySequential(text: string): boolean {
  const codes = [...text].map((ch) => ch.codePointAt(0)!);
  let steps = 0;
  for (let i = 1; i < codes.length; i += 1) if (Math.abs(codes[i]! - codes[i - 1]!) <= 1) steps += 1;
  return codes.length > 1 && steps / (codes.length - 1) >= 0.8;
}
