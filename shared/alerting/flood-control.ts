import { createHash } from 'node:crypto';
import { singleLine } from '../display-text';
import { clipText } from './evidence';
import { SEVERITIES, type Finding, type Severity } from '../finding';

/**
 * Flood control for the findings an outsider can drive: every denied call is logged, so a
 * principal with no rights at all can make the audit pipeline produce findings at will (forty
 * DeleteSecret calls on made-up names are forty different problems to dedup). As a pure
 * decision, like grouping.ts:
 *
 * - A *flood group* per principal, rule and window (`windowMs`): its first finding pages; the
 *   rest are counted into it, and the page is updated when the count reaches `firstUpdateAt`
 *   and at every doubling after (10, 20, 40, ...), on the lead's dedup key, so PagerDuty appends
 *   to the open incident instead of paging again.
 * - A *page cap* per principal per hour (`pageCapPerHour`): a new flood group beyond it is
 *   suppressed, and the first suppression sends one summary ("principal X hit the page cap: N
 *   findings suppressed, rules ..."), updated at the same doublings.
 *
 * Nothing is dropped: a grouped or suppressed finding is still claimed and recorded with its
 * mode, still goes to SNS when its route names SNS (message attribute `flood`), and is counted
 * in its group and the cap summary; only the human channels (PagerDuty, Slack) are spared.
 * Applies to open audit findings with a principal; keywarden's own findings (rotation,
 * staleness, emergency), AWS service principals and resolves are never held back.
 */

/** What flood control made of a finding. */
export type FloodMode = 'page' | 'update' | 'grouped' | 'suppressed' | 'cap-summary' | 'cap-update';

/** Modes that reach PagerDuty and Slack. */
export const NOTIFYING_MODES: ReadonlySet<FloodMode> = new Set(['page', 'update', 'cap-summary', 'cap-update']);

/** The settings (from the function's environment; docs/alerting.md). */
export interface FloodSettings {
  /** A flood group's window; 0 turns grouping off (every finding is its own group). */
  windowMs: number;
  /** New pages per principal per hour; 0: no cap. */
  pageCapPerHour: number;
  /** The count of the first update; later updates at every doubling. */
  firstUpdateAt: number;
}

/** One hour of pages, one window of grouping, the first update at 10. */
export const DEFAULT_FLOOD_SETTINGS: FloodSettings = { windowMs: 3_600_000, pageCapPerHour: 5, firstUpdateAt: 10 };

const CAP_WINDOW_MS = 3_600_000;
/** Rules named in a cap summary; more are counted as `other`. */
const MAX_RULES = 50;

/** One principal's findings of one rule in one window. */
export interface FloodGroupState {
  principal: string;
  ruleId: string;
  windowStartedAt: string;
  count: number;
  nextUpdateAt: number;
  /** The finding that paged (or was the first to be suppressed), and its dedup key: updates go there. */
  leadFindingId: string;
  leadDedupKey: string;
  /** The lead was held back by the page cap: members are held back too, until the cap has room. */
  suppressed: boolean;
  version: number;
}

/** One principal's pages in the current hour. */
export interface PageCapState {
  principal: string;
  windowStartedAt: string;
  pages: number;
  suppressed: number;
  rules: Record<string, number>;
  nextUpdateAt: number;
  /** The most urgent severity among the suppressed findings: the summary's. */
  severity: Severity;
  version: number;
}

/** What a finding's state remembers of flood control, so every channel and every retry says the same. */
export interface FloodMark {
  mode: FloodMode;
  principal: string;
  ruleId: string;
  /** Findings in the flood group so far, this one included, since `since`. */
  count: number;
  since: string;
  windowSeconds: number;
  leadFindingId: string;
  leadDedupKey: string;
  /** The count at which the group's next update is sent. */
  nextUpdateAt: number;
  /** The page cap, for `suppressed`, `cap-summary` and `cap-update`. */
  cap?: { limit: number; pages: number; suppressed: number; rules: Record<string, number>; since: string; severity: Severity; summaryDedupKey: string };
}

/** The state keys of a finding under flood control. */
export interface FloodKeys {
  flood: string;
  cap: string;
  principal: string;
}

/** A decision: the mark and the writes that go with the claim (each at the version read). */
export interface FloodDecision {
  mark: FloodMark;
  flood: { key: string; next: FloodGroupState; expectedVersion?: number };
  cap?: { key: string; next: PageCapState; expectedVersion?: number };
}

/** The keys for a finding under flood control, or undefined when flood control does not apply to it. */
export function floodKeysOf(finding: Finding): FloodKeys | undefined {
  if (finding.source !== 'audit' || finding.status !== 'open') return undefined;
  const p = finding.principal;
  if (!p || p.type === 'AWSService') return undefined;
  const principal = p.arn ?? (p.accessKeyId ? `access key ${p.accessKeyId}` : undefined);
  if (!principal) return undefined;
  return { flood: `flood#${digest(finding.ruleId, principal)}`, cap: `pagecap#${digest(principal)}`, principal };
}

/** Decides what a finding that would send does, given its flood group and its principal's cap as stored. */
export function decideFlood(
  finding: Finding,
  keys: FloodKeys,
  stored: { flood?: FloodGroupState; cap?: PageCapState },
  now: Date,
  settings: FloodSettings,
): FloodDecision {
  const at = now.toISOString();
  const group = stored.flood && now.getTime() - Date.parse(stored.flood.windowStartedAt) < settings.windowMs ? stored.flood : undefined;
  const principal = displayPrincipal(keys.principal);
  const windowSeconds = Math.round(settings.windowMs / 1000);
  const version = (stored.flood?.version ?? 0) + 1;
  const floodWrite = (next: FloodGroupState) => ({ key: keys.flood, next, expectedVersion: stored.flood?.version });
  const mark = (g: FloodGroupState, mode: FloodMode): FloodMark => ({
    mode,
    principal,
    ruleId: finding.ruleId,
    count: g.count,
    since: g.windowStartedAt,
    windowSeconds,
    leadFindingId: g.leadFindingId,
    leadDedupKey: g.leadDedupKey,
    nextUpdateAt: g.nextUpdateAt,
  });

  if (group && !group.suppressed) {
    const update = group.count + 1 >= group.nextUpdateAt;
    const next = { ...group, count: group.count + 1, nextUpdateAt: update ? group.nextUpdateAt * 2 : group.nextUpdateAt, version };
    return { mark: mark(next, update ? 'update' : 'grouped'), flood: floodWrite(next) };
  }
  // A new flood group, or one whose lead the cap held back: this finding would page.
  const lead = { leadFindingId: finding.id, leadDedupKey: finding.dedupKey };
  const started: FloodGroupState = group
    ? { ...group, count: group.count + 1, version }
    : { principal, ruleId: finding.ruleId, windowStartedAt: at, count: 1, nextUpdateAt: settings.firstUpdateAt, ...lead, suppressed: false, version };
  if (settings.pageCapPerHour <= 0) {
    const next = { ...started, ...lead, suppressed: false };
    return { mark: mark(next, 'page'), flood: floodWrite(next) };
  }
  const cap = stored.cap && now.getTime() - Date.parse(stored.cap.windowStartedAt) < CAP_WINDOW_MS ? stored.cap : undefined;
  const current: PageCapState = cap ?? { principal, windowStartedAt: at, pages: 0, suppressed: 0, rules: {}, nextUpdateAt: settings.firstUpdateAt, severity: 'info', version: 0 };
  const capWrite = (next: PageCapState) => ({ key: keys.cap, next: { ...next, version: (stored.cap?.version ?? 0) + 1 }, expectedVersion: stored.cap?.version });
  if (current.pages < settings.pageCapPerHour) {
    const next = { ...started, ...lead, suppressed: false };
    return { mark: mark(next, 'page'), flood: floodWrite(next), cap: capWrite({ ...current, pages: current.pages + 1 }) };
  }
  const suppressed = current.suppressed + 1;
  const mode: FloodMode = suppressed === 1 ? 'cap-summary' : suppressed >= current.nextUpdateAt ? 'cap-update' : 'suppressed';
  const nextCap: PageCapState = {
    ...current,
    suppressed,
    rules: countRule(current.rules, finding.ruleId),
    nextUpdateAt: mode === 'cap-update' ? current.nextUpdateAt * 2 : current.nextUpdateAt,
    severity: moreUrgent(current.severity, finding.severity),
  };
  const next = { ...started, suppressed: true };
  const capMark = {
    limit: settings.pageCapPerHour,
    pages: nextCap.pages,
    suppressed,
    rules: nextCap.rules,
    since: nextCap.windowStartedAt,
    severity: nextCap.severity,
    summaryDedupKey: `keywarden.page-cap:${digest(keys.principal, nextCap.windowStartedAt).slice(0, 24)}`,
  };
  return { mark: { ...mark(next, mode), cap: capMark }, flood: floodWrite(next), cap: capWrite(nextCap) };
}

/** A principal as shown: one line, at most 200 characters. */
export function displayPrincipal(principal: string): string {
  return clipText(singleLine(principal), 200);
}

function countRule(rules: Record<string, number>, ruleId: string): Record<string, number> {
  const key = ruleId in rules || Object.keys(rules).length < MAX_RULES ? ruleId : 'other';
  return { ...rules, [key]: (rules[key] ?? 0) + 1 };
}

function moreUrgent(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
