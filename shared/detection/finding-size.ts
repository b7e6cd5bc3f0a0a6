import type { Finding } from '../finding';
import { boundedText } from '../audit/bounded';

/**
 * Keeps a finding within what its transport carries (PutEvents: 256 KB a request). Evidence is
 * mostly text from CloudTrail records, so a hostile batch can make it large; when the finding is
 * over its budget the evidence is cut step by step, and `evidenceTrimmed` says so and how big it
 * was, so on-call knows to look at the audit trail (`keywarden audit query`) for the rest.
 */

/** The finding as JSON in at most `maxBytes`: unchanged when it fits, else with its evidence trimmed. */
export function fitFindingEvidence(finding: Finding, maxBytes: number): Finding {
  const whole = jsonBytes(finding);
  if (whole <= maxBytes) return finding;
  const note = `evidence trimmed: the finding was ${Math.ceil(whole / 1000)} KB, over the ${Math.floor(maxBytes / 1000)} KB an event may carry; the audit trail has every record`;
  const cut = { ...finding, evidence: { ...(shrink(finding.evidence, 0) as Record<string, unknown>), evidenceTrimmed: note } };
  if (jsonBytes(cut) <= maxBytes) return cut;
  const { principalKey, secrets } = finding.evidence;
  const minimal: Record<string, unknown> = { evidenceTrimmed: note };
  if (typeof principalKey === 'string') minimal.principalKey = boundedText(principalKey, 512);
  if (Array.isArray(secrets)) minimal.secrets = secrets.slice(0, 20).map((s) => boundedText(String(s), 256));
  return { ...finding, evidence: minimal };
}

const MAX_STRING_BYTES = 512;
const MAX_ITEMS = 10;
const MAX_DEPTH = 3;

/** Strings, lists and nesting cut to a readable sample. */
function shrink(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundedText(value, MAX_STRING_BYTES);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '(nested value trimmed)';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => shrink(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`(${value.length - MAX_ITEMS} more)`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value).slice(0, 50)) out[boundedText(key, 128)] = shrink(v, depth + 1);
  return out;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
