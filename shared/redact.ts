/**
 * Last line of defence against printing a secret: every value a strategy reads or writes is
 * remembered here, and every line keywarden prints (logs, CLI output, error messages) passes
 * through {@link redact}. The first line of defence is never putting values in messages at all.
 */

const REPLACEMENT = '[REDACTED]';
/** Shorter fragments would redact ordinary words; the whole value is always remembered. */
const MIN_FRAGMENT = 6;
/**
 * JSON fields whose string values are secret: passwords, keys, tokens, and the private members
 * of a JWK. Other fields (username, host, kid, fingerprint) stay readable in logs and findings,
 * which on-call needs; a whole value is remembered regardless.
 */
const SECRET_FIELD = /pass|secret|token|credential|private|key$|^(k|d|p|q|dp|dq|qi)$/i;
const remembered = new Set<string>();

/** Remembers a secret value, and each secret-looking string field of it when it is JSON. */
export function rememberSecret(value: string | undefined): void {
  if (!value) return;
  remembered.add(value);
  for (const fragment of secretFields(value)) {
    if (fragment.length >= MIN_FRAGMENT) remembered.add(fragment);
  }
}

/** Replaces every remembered secret (or field of one) inside `text`. */
export function redact(text: string): string {
  if (remembered.size === 0 || text.length === 0) return text;
  let out = text;
  for (const secret of longestFirst()) {
    if (out.includes(secret)) out = out.split(secret).join(REPLACEMENT);
  }
  return out;
}

/** For tests: forgets everything remembered. */
export function forgetSecrets(): void {
  remembered.clear();
}

function longestFirst(): string[] {
  return [...remembered].sort((a, b) => b.length - a.length);
}

function secretFields(value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  collectSecretStrings(parsed, undefined, out);
  return out;
}

function collectSecretStrings(node: unknown, key: string | undefined, out: string[]): void {
  if (typeof node === 'string') {
    if (key !== undefined && SECRET_FIELD.test(key)) out.push(node);
  } else if (Array.isArray(node)) {
    node.forEach((item) => collectSecretStrings(item, key, out));
  } else if (node && typeof node === 'object') {
    for (const [childKey, child] of Object.entries(node)) collectSecretStrings(child, childKey, out);
  }
}
