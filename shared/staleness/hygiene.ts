import { rememberSecret } from '../redact';
import type { SecretValueReader } from './inventory';
import { WELL_KNOWN_VALUES } from './well-known-values';

/**
 * The hygiene check: does a secret hold a placeholder, a default or a weak value? It READS
 * VALUES, so it is opt-in: `KEYWARDEN_HYGIENE=tagged` (the default) checks only secrets tagged
 * `keywarden:hygiene=check`, `all` checks every secret except those tagged
 * `keywarden:hygiene=skip`, `off` reads nothing. A result names the secret, the JSON field (a
 * key, never a value) and a fixed reason; the value is never kept, returned or printed, and is
 * remembered for redaction like every value keywarden reads.
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
  /** The JSON field the value sits in, or `(value)` for a plain-text secret. */
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
  for (const [field, text] of fieldsToCheck(value)) {
    const reason = weakness(text);
    if (reason) issues.push({ field, reason });
  }
  return issues;
}

/** Reads and checks the given secrets, a few at a time; a read that fails skips that secret. */
export async function runHygiene(
  secrets: ReadonlyArray<{ arn: string; name: string }>,
  reader: SecretValueReader,
  concurrency = 8,
): Promise<HygieneResult[]> {
  const results: HygieneResult[] = new Array(secrets.length);
  let next = 0;
  const worker = async () => {
    while (next < secrets.length) {
      const index = next++;
      const { arn, name } = secrets[index]!;
      results[index] = await checkOne(arn, name, reader);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, secrets.length) }, worker));
  return results;
}

async function checkOne(arn: string, name: string, reader: SecretValueReader): Promise<HygieneResult> {
  let value: string | undefined;
  try {
    value = await reader.readCurrent(arn);
  } catch (error) {
    // The error names the secret and the service's code; the value was never read.
    const code = (error as { code?: string; name?: string }).code ?? (error as Error).name ?? 'Error';
    return { arn, name, outcome: 'skipped', issues: [], skippedBecause: `could not read the value (${code})` };
  }
  if (value === undefined) return { arn, name, outcome: 'skipped', issues: [], skippedBecause: 'no string value (binary or no AWSCURRENT version)' };
  rememberSecret(value);
  return { arn, name, outcome: 'checked', issues: checkValue(value) };
}

function fieldsToCheck(value: string): Array<[string, string]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [['(value)', value]];
  }
  if (!parsed || typeof parsed !== 'object') return [['(value)', value]];
  const leaves: Array<[string, string]> = [];
  collect(parsed, '', leaves);
  const secretLooking = leaves.filter(([path]) => SECRET_FIELD.test(lastKey(path)));
  if (secretLooking.length > 0) return secretLooking;
  return leaves.filter(([path]) => !NON_SECRET_FIELDS.has(lastKey(path).toLowerCase()));
}

function collect(node: unknown, path: string, out: Array<[string, string]>): void {
  if (typeof node === 'string') out.push([path || '(value)', node]);
  else if (Array.isArray(node)) node.forEach((item, i) => collect(item, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) collect(child, path ? `${path}.${key}` : key, out);
  }
}

function lastKey(path: string): string {
  return path.replace(/\[\d+\]$/, '').split('.').at(-1) ?? path;
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
