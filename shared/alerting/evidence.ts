/**
 * Evidence is the part of a finding that can be large (every secret a harvester read, every
 * failed call). Each channel has a size limit; what does not fit is cut with a note that says
 * how much was kept, and the rest of the message is always sent: evidence is truncated, never
 * dropped, and never the reason an alert is not delivered.
 */

/** Evidence as on-call reads it: indented JSON in the producer's key order. */
export function evidenceJson(evidence: Record<string, unknown>): string {
  return JSON.stringify(evidence, null, 2);
}

/** UTF-8 size of a string. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` whose UTF-8 size is at most `maxBytes`, not splitting a character. */
export function prefixWithinBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let low = 0;
  let high = Math.min(text.length, maxBytes);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Bytes(text.slice(0, mid)) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  let cut = text.slice(0, low);
  // Do not leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** `text` cut to `max` characters, the last an ellipsis, never splitting a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The note that ends truncated text: how much is shown, of how much, and whose limit cut it. */
export function truncationNote(what: string, shown: number, total: number, limit: string): string {
  return `[${what} truncated to fit ${limit}: showing ${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters]`;
}

/**
 * The evidence for a JSON payload with a byte budget (SNS, PagerDuty): as it is when it fits,
 * else an object that says it was truncated and keeps the start of its JSON as `preview`.
 */
export function fitEvidence(evidence: Record<string, unknown>, maxBytes: number): Record<string, unknown> {
  const json = JSON.stringify(evidence);
  const total = utf8Bytes(json);
  if (total <= maxBytes) return evidence;
  // JSON.stringify escapes quotes in the preview, which can double its size; leave room for it.
  let preview = prefixWithinBytes(json, Math.floor(maxBytes / 2) - 256);
  while (preview.length > 0 && utf8Bytes(JSON.stringify(preview)) > maxBytes - 256) preview = preview.slice(0, Math.floor(preview.length * 0.9));
  return {
    truncated: `evidence truncated: it was ${total.toLocaleString('en-US')} bytes of JSON; "preview" keeps its first ${utf8Bytes(preview).toLocaleString('en-US')} bytes`,
    preview,
  };
}
