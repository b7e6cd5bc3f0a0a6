/**
 * Last line of defence against printing a secret: every value a strategy reads or writes is
 * remembered here, and every line keywarden prints (logs, CLI output, error messages) passes
 * through {@link redact}. The first line of defence is never putting values in messages at all.
 *
 * The remembered strings come from secret values, which whoever may write a secret chooses; so
 * redaction must not become a way to erase log text. The rules:
 * - nothing shorter than {@link MIN_REDACTED_LENGTH} characters is remembered: not a whole value,
 *   not a field of one. A secret's value of `e` or `{` would otherwise blank every `e` or `{` in
 *   every later line. A secret that short is weak anyway (the hygiene check flags it);
 * - values of credential fields are still redacted whatever their length where keywarden logs
 *   them by name: a structured log attribute named like one ({@link redactLogAttribute}) is
 *   replaced whole. That depends on keywarden's own attribute names, never on planted text;
 * - the remembered set is bounded ({@link MAX_REMEMBERED} strings, {@link MAX_REMEMBERED_CHARS}
 *   characters); when full, the oldest strings are forgotten first, because the values read most
 *   recently are the ones the code now running may print;
 * - it is per invocation: every handler forgets everything at the start of an invocation
 *   (shared/middleware/forget-secrets.ts), so one invocation's values neither fill the set for
 *   the next nor stay in a warm container's memory longer than needed.
 */

const REPLACEMENT = '[REDACTED]';
/** The shortest string ever remembered. */
export const MIN_REDACTED_LENGTH = 8;
/** The most strings remembered at once. */
export const MAX_REMEMBERED = 512;
/** The most characters remembered at once (a secret string holds at most 65,536). */
export const MAX_REMEMBERED_CHARS = 1_048_576;
/**
 * JSON fields whose string values are secret: passwords, keys, tokens, and the private members
 * of a JWK. Other fields (username, host, kid, fingerprint) stay readable in logs and findings,
 * which on-call needs.
 */
const SECRET_FIELD = /pass|secret|token|credential|private|key$|^(k|d|p|q|dp|dq|qi)$/i;
/**
 * Log attribute names whose string value is replaced whatever it holds. Exact names, not
 * {@link SECRET_FIELD}: keywarden's own log lines carry `secretId`, `token` (a version id) and
 * the like, which on-call needs to read.
 */
const CREDENTIAL_ATTRIBUTES = new Set(['password', 'passwd', 'apiKey', 'api_key', 'privateKey', 'private_key', 'clientSecret', 'client_secret', 'accessToken', 'refreshToken', 'routingKey', 'webhookUrl', 'k', 'd', 'p', 'q', 'dp', 'dq', 'qi']);

/** Insertion-ordered, so the oldest entry is the first one. */
const remembered = new Set<string>();
let rememberedChars = 0;
let longestFirst: string[] | undefined;

/** Remembers a secret value, and each secret-looking string field of it when it is JSON. */
export function rememberSecret(value: string | undefined): void {
  if (!value) return;
  remember(value);
  for (const fragment of secretFields(value)) remember(fragment);
}

/** Replaces every remembered secret (or field of one) inside `text`. */
export function redact(text: string): string {
  if (remembered.size === 0 || text.length < MIN_REDACTED_LENGTH) return text;
  longestFirst ??= [...remembered].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of longestFirst) {
    if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
  }
  return out;
}

/**
 * What the logger prints for one attribute: a string under a credential name is replaced whole,
 * any other string is {@link redact}ed, and other values are left for the logger to walk.
 */
export function redactLogAttribute(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return CREDENTIAL_ATTRIBUTES.has(name) ? REPLACEMENT : redact(value);
}

/** Forgets everything remembered: at the start of each invocation, and in tests. */
export function forgetSecrets(): void {
  remembered.clear();
  rememberedChars = 0;
  longestFirst = undefined;
}

function remember(secret: string): void {
  if (secret.length < MIN_REDACTED_LENGTH || secret.length > MAX_REMEMBERED_CHARS) {
    // Too long to keep within the bound: its secret fields are still remembered one by one.
    return;
  }
  if (remembered.has(secret)) {
    // Seen again: now the newest, so the last to be forgotten.
    remembered.delete(secret);
    remembered.add(secret);
    return;
  }
  while (remembered.size >= MAX_REMEMBERED || rememberedChars + secret.length > MAX_REMEMBERED_CHARS) forgetOldest();
  remembered.add(secret);
  rememberedChars += secret.length;
  longestFirst = undefined;
}

function forgetOldest(): void {
  const oldest = remembered.values().next().value;
  if (oldest === undefined) return;
  remembered.delete(oldest);
  rememberedChars -= oldest.length;
  longestFirst = undefined;
}

function secretFields(value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  collectSecretStrings(parsed, undefined, out, 0);
  return out;
}

/** Deeper than any real secret; a hostile value nested deeper cannot exhaust the stack here. */
const MAX_DEPTH = 32;

function collectSecretStrings(node: unknown, key: string | undefined, out: string[], depth: number): void {
  if (typeof node === 'string') {
    if (key !== undefined && SECRET_FIELD.test(key)) out.push(node);
  } else if (depth >= MAX_DEPTH) {
    return;
  } else if (Array.isArray(node)) {
    node.forEach((item) => collectSecretStrings(item, key, out, depth + 1));
  } else if (node && typeof node === 'object') {
    for (const [childKey, child] of Object.entries(node)) collectSecretStrings(child, childKey, out, depth + 1);
  }
}
