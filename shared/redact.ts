/**
 * Last line of defence against printing a secret: every value a strategy reads or writes is
 * remembered here, and every line keywarden prints (logs, CLI output, error messages) passes
 * through {@link redact}. The first line of defence is never putting values in messages at all.
 */

const REPLACEMENT = '[REDACTED]';
/** Shorter fragments would redact ordinary words; the whole value is always remembered. */
const MIN_FRAGMENT = 6;
const remembered = new Set<string>();

/** Remembers a secret value, and each string field of it when it is JSON. */
export function rememberSecret(value: string | undefined): void {
  if (!value) return;
  remembered.add(value);
  for (const fragment of stringFields(value)) {
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

function stringFields(value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  collectStrings(parsed, out);
  return out;
}

function collectStrings(node: unknown, out: string[]): void {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) node.forEach((item) => collectStrings(item, out));
  else if (node && typeof node === 'object') Object.values(node).forEach((item) => collectStrings(item, out));
}
