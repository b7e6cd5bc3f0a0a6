import { boundedText } from '../audit/bounded';
import type { AuditRecord } from '../audit/record';
import { clientFamilyOf } from '../detection/client-families';
import { AWSCURRENT, AWSPENDING } from '../secrets-store';

/**
 * The consumer map of a secret: who reads it, how (client family), how often and when last, built
 * from the audit trail's read records. Every name here comes from CloudTrail, so it is attacker
 * text: bounded here (keys and names), escaped where it is shown (see text.ts).
 */

/** Longest principal key, ARN or name kept in a map entry (bytes); longer ones end in a hash. */
export const MAX_NAME_BYTES = 256;
/** Most client families kept per consumer; more are counted, not listed. */
export const MAX_FAMILIES = 5;
/** Most consumers one map holds; the rest are counted in `omitted`. */
export const MAX_CONSUMERS = 5_000;

/** One principal that reads the secret. */
export interface Consumer {
  /** Who: the session issuer (role) ARN for assumed roles, else the user ARN, else the access key. */
  key: string;
  /** CloudTrail's userIdentity.type (AssumedRole, IAMUser, ...). */
  type: string;
  /** The role (session issuer) or user name. */
  name?: string;
  /** For assumed roles: the role that issued the session. */
  sessionIssuer?: string;
  tenant?: string;
  /** Client families seen (sdk, agent, External Secrets, console...), most reads first. */
  families: string[];
  /** Successful reads of the value in the window. */
  reads: number;
  firstRead: string;
  lastRead: string;
  /** The median gap between two reads, in seconds; absent with fewer than two reads. */
  intervalSeconds?: number;
  /** Reads of AWSCURRENT (or of the current version by id) since it became AWSCURRENT. */
  readsSinceCurrent?: number;
}

/** What building a map needs to know about the secret. */
export interface MapOptions {
  /** The version that holds AWSCURRENT now; a read of it by id counts as a read of current. */
  currentVersionId?: string;
  /** When that version became AWSCURRENT (ISO); reads from then on count as refreshed. */
  currentSince?: string;
}

/** A secret's consumers, and the principals left out of them. */
export interface ConsumerMap {
  consumers: Consumer[];
  /** Principals that wrote pending values or moved labels: the rotation itself, not a consumer. */
  rotators: string[];
  /** Consumers beyond {@link MAX_CONSUMERS}, not listed. */
  omitted: number;
}

/**
 * Whether a record is a successful read of the secret's value a consumer would use: not denied,
 * and not a read of AWSPENDING (that is a rotation testing its new value).
 */
export function isConsumerRead(record: AuditRecord): boolean {
  return record.readsValue && !record.errorCode && record.versionStage !== AWSPENDING;
}

/** Whether a read is of the version now AWSCURRENT: no stage or AWSCURRENT asked, or its id. */
export function readsCurrent(record: AuditRecord, currentVersionId: string | undefined): boolean {
  if (record.versionId !== undefined) return record.versionId === currentVersionId && (record.versionStage === undefined || record.versionStage === AWSCURRENT);
  return record.versionStage === undefined || record.versionStage === AWSCURRENT;
}

/** Whether a record is the rotation at work: a pending value stored, or a staging label moved. */
function isRotationWrite(record: AuditRecord): boolean {
  if (record.errorCode) return false;
  if (record.eventName === 'UpdateSecretVersionStage') return true;
  const stages = record.details.versionStages;
  return record.eventName === 'PutSecretValue' && Array.isArray(stages) && stages.includes(AWSPENDING);
}

/** Builds the map from the records of one secret (any order); pure. */
export function buildConsumerMap(records: readonly AuditRecord[], options: MapOptions = {}): ConsumerMap {
  const rotators = new Set<string>();
  for (const record of records) if (isRotationWrite(record)) rotators.add(principalKey(record));
  const byKey = new Map<string, Draft>();
  let omitted = 0;
  for (const record of records) {
    if (!isConsumerRead(record)) continue;
    const key = principalKey(record);
    if (rotators.has(key)) continue;
    let draft = byKey.get(key);
    if (!draft) {
      if (byKey.size >= MAX_CONSUMERS) {
        omitted += 1;
        continue;
      }
      byKey.set(key, (draft = newDraft(key, record)));
    }
    addRead(draft, record, options);
  }
  const consumers = [...byKey.values()].map(finish).sort((a, b) => b.reads - a.reads || (a.key < b.key ? -1 : 1));
  return { consumers, rotators: [...rotators].sort(), omitted: countOmitted(records, byKey, rotators, omitted) };
}

interface Draft {
  consumer: Consumer;
  times: number[];
  families: Map<string, number>;
}

function principalKey(record: AuditRecord): string {
  return boundedText(record.principal.key, MAX_NAME_BYTES);
}

function newDraft(key: string, record: AuditRecord): Draft {
  const p = record.principal;
  const consumer: Consumer = { key, type: boundedText(p.type, 64), families: [], reads: 0, firstRead: record.time, lastRead: record.time };
  const name = p.sessionIssuerName ?? p.name;
  if (name !== undefined) consumer.name = boundedText(name, MAX_NAME_BYTES);
  if (p.sessionIssuerArn !== undefined) consumer.sessionIssuer = boundedText(p.sessionIssuerArn, MAX_NAME_BYTES);
  if (p.tenant !== undefined) consumer.tenant = boundedText(p.tenant, MAX_NAME_BYTES);
  return { consumer, times: [], families: new Map() };
}

function addRead(draft: Draft, record: AuditRecord, options: MapOptions): void {
  const c = draft.consumer;
  c.reads += 1;
  if (record.time < c.firstRead) c.firstRead = record.time;
  if (record.time > c.lastRead) c.lastRead = record.time;
  const ms = Date.parse(record.time);
  if (!Number.isNaN(ms)) draft.times.push(ms);
  const family = record.principal.via === 'console' ? 'console' : clientFamilyOf(record.userAgent);
  draft.families.set(family, (draft.families.get(family) ?? 0) + 1);
  if (options.currentSince !== undefined && record.time >= options.currentSince && readsCurrent(record, options.currentVersionId)) {
    c.readsSinceCurrent = (c.readsSinceCurrent ?? 0) + 1;
  }
}

function finish(draft: Draft): Consumer {
  const c = draft.consumer;
  c.families = [...draft.families].sort((a, b) => b[1] - a[1]).slice(0, MAX_FAMILIES).map(([family]) => family);
  const interval = medianGapSeconds(draft.times);
  if (interval !== undefined) c.intervalSeconds = interval;
  return c;
}

/** The median gap between consecutive times (ms), in whole seconds; undefined below two times. */
export function medianGapSeconds(times: number[]): number | undefined {
  if (times.length < 2) return undefined;
  const sorted = [...times].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i += 1) gaps.push(sorted[i]! - sorted[i - 1]!);
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
  return Math.round(median / 1000);
}

/** Consumers dropped for the cap, counted once each (not once per read). */
function countOmitted(records: readonly AuditRecord[], kept: Map<string, Draft>, rotators: Set<string>, droppedReads: number): number {
  if (droppedReads === 0) return 0;
  const dropped = new Set<string>();
  for (const record of records) {
    if (!isConsumerRead(record)) continue;
    const key = principalKey(record);
    if (!kept.has(key) && !rotators.has(key)) dropped.add(key);
  }
  return dropped.size;
}
