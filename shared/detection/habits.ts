import { secretKeyOf, type AuditPrincipal, type AuditRecord } from '../audit/record';
import { batchPatternOf, isBatchCall } from './batch-patterns';
import { clientFamilyOf } from './client-families';
import { principalIsOneOf, type DetectionConfig } from './config';
import { epochSeconds, hourStartMs, shortHash, stateKeys, timeMs, windowStartMs } from './keys';
import type { LearningPhase } from './learning';
import { PRIVATE_GROUP, networkGroupOf } from './network-groups';
import { days, expiryAfter, numberAttribute, setAttribute, stringAttribute, type StatePhase } from './phase';
import type { StateItem, StatePut, StateUpdate } from './state';

/** A principal's networks and clients stop being learned at this many: it roams, and is judged on what it had. */
export const MAX_NETWORKS = 64;
export const MAX_CLIENTS = 32;
/** Batch patterns learned per principal: an attacker asking a thousand questions must not grow the item toward DynamoDB's 400 KB. */
export const MAX_PATTERNS = 64;
/** Secrets learned as what a principal's scheduled batch calls return (hashed). */
export const MAX_SCHEDULED_SECRETS = 256;
/** How long after a batch call CloudTrail's per-secret GetSecretValue records of it may come. */
const BATCH_READS_WITHIN_MS = 60_000;

function followsWithin(readMs: number, callMs: number): boolean {
  return readMs >= callMs && readMs - callMs <= BATCH_READS_WITHIN_MS;
}
const HOUR_MS = 3_600_000;
/** Calls that read secret metadata one secret at a time: what an enumeration sweep is made of. */
export const METADATA_READS: ReadonlySet<string> = new Set(['DescribeSecret', 'GetResourcePolicy', 'ListSecretVersionIds']);

/** What the habits phase knows about one principal, for the detectors. */
export interface PrincipalHabits {
  /** When the principal was first seen (epoch ms), by the state or this batch. */
  readonly firstSeenMs: number;
  /** Whether the batch pattern (batch-patterns.ts) was seen in enough distinct hours before this batch to be the principal's own. */
  isEstablished(pattern: string): boolean;
  /** The largest sweep (distinct secrets described in a window) the principal made before, if it ever swept. */
  readonly largestSweep: number | undefined;
  /** Whether the principal is named known automation and was first seen less than the learning period ago. */
  inOwnLearning(record: AuditRecord): boolean;
  /**
   * Whether the record is a GetSecretValue of a secret the principal's scheduled batch calls return:
   * a secret read in the minute after such a call (an established pattern, or any batch call while
   * the trail is learning) in an earlier batch, or, while the trail is learning, in this one.
   * CloudTrail writes such a per-secret record for every secret a batch call returns.
   */
  isScheduledRead(record: AuditRecord): boolean;
  /** Whether the record is the principal's first BatchGetSecretValue or programmatic ListSecrets ever. */
  isFirstOfItsKind(record: AuditRecord): boolean;
}

interface Seen {
  principal: AuditPrincipal;
  hash: string;
  earliest: string;
  /** Ids of the events that may be recorded as firsts (batch and list calls) or novel (public ones). */
  ids: Set<string>;
  networks: Set<string>;
  clients: Set<string>;
  /** The last network and client seen: a principal mostly repeats them, so most records cost no set operation. */
  lastNetwork?: string;
  lastAgent?: string;
  lastClient?: string;
  /** Successful records from public networks, with their hashed group and client. */
  publicCalls: Array<{ record: AuditRecord; network: string; client: string }>;
  firstBatch?: AuditRecord;
  firstList?: AuditRecord;
  patternHours: Map<string, Set<string>>;
  /** Each successful batch call of this batch: its pattern and time (epoch ms). */
  batchCalls: Array<{ pattern: string; atMs: number }>;
  /** Each successful GetSecretValue (of one secret) of this batch, in batch order. */
  valueReads: AuditRecord[];
  /**
   * The same by record, with its hashed secret and time (epoch ms): worked out on first ask, since
   * only a principal that made batch calls, or whose reads neared a harvesting threshold, asks.
   */
  readFacts?: Map<AuditRecord, { secret: string; atMs: number }>;
  sweeps: Map<number, Set<string>>;
}

/**
 * Each principal's habits, in its `prin#<hash>` item (the one that says when it was first seen):
 * the network groups and client families it used (hashed string sets, bounded), its first
 * BatchGetSecretValue and first ListSecrets (the event that did it, so a redelivery still knows
 * it), the hours in which each batch pattern was seen (up to KEYWARDEN_AUTOMATION_REPEATS), the
 * secrets its scheduled batch calls return (hashed, bounded), its largest sweep, and the last event
 * that came from a new network with a new client.
 *
 * A principal that does what it always does costs no write: a new principal's item is created with
 * one put (merged with the activity phase's put of the same item; puts go a hundred to a call), and
 * a known one is updated only when it learns something new, once per batch.
 */
export class HabitsPhase implements StatePhase {
  private readonly byPrincipal = new Map<string, Seen>();
  private readonly novel = new Set<string>();
  private readonly firsts = new Set<string>();
  /** The items this batch creates for principals seen for the first time. */
  private readonly created = new Map<string, Record<string, string | number | readonly string[]>>();
  private read: ReadonlyMap<string, StateItem> = new Map();
  /** When the trail's learning period ends (epoch ms), as the state read gave it; set by finish. */
  private learningEndsMs = Number.POSITIVE_INFINITY;

  constructor(
    watched: readonly AuditRecord[],
    private readonly config: DetectionConfig,
    private readonly nowMs: number,
    private readonly learning: LearningPhase,
  ) {
    for (const record of watched) {
      if (record.principal.type === 'AWSService') continue;
      let seen = this.byPrincipal.get(record.principal.key);
      if (!seen) {
        seen = { principal: record.principal, hash: shortHash(record.principal.key), earliest: record.time, ids: new Set(), networks: new Set(), clients: new Set(), publicCalls: [], patternHours: new Map(), batchCalls: [], valueReads: [], sweeps: new Map() };
        this.byPrincipal.set(record.principal.key, seen);
      }
      if (record.time < seen.earliest) seen.earliest = record.time;
      if (record.errorCode) continue;
      const group = networkGroupOf(record);
      const network = group === PRIVATE_GROUP ? PRIVATE_HASH : shortHash(group.label);
      if (network !== seen.lastNetwork) {
        seen.networks.add(network);
        seen.lastNetwork = network;
      }
      if (record.userAgent !== seen.lastAgent || seen.lastClient === undefined) {
        seen.lastAgent = record.userAgent;
        seen.lastClient = shortHash(clientFamilyOf(record.userAgent));
        seen.clients.add(seen.lastClient);
      }
      if (group.isPublic) {
        seen.publicCalls.push({ record, network, client: seen.lastClient });
        seen.ids.add(record.eventId);
      }
      if (isBatchCall(record)) {
        seen.ids.add(record.eventId);
        if (!seen.firstBatch || record.time < seen.firstBatch.time) seen.firstBatch = record;
        const pattern = batchPatternOf(record);
        let hours = seen.patternHours.get(pattern);
        if (!hours) seen.patternHours.set(pattern, (hours = new Set()));
        hours.add(String(hourStartMs(timeMs(record.time)) / HOUR_MS));
        seen.batchCalls.push({ pattern, atMs: timeMs(record.time) });
      } else if (record.eventName === 'GetSecretValue' && record.secrets.length === 1) {
        seen.valueReads.push(record);
      } else if (record.eventName === 'ListSecrets' && record.principal.via !== 'console') {
        seen.ids.add(record.eventId);
        if (!seen.firstList || record.time < seen.firstList.time) seen.firstList = record;
      } else if (METADATA_READS.has(record.eventName)) {
        const window = windowStartMs(timeMs(record.time), config.windowMinutes);
        let secrets = seen.sweeps.get(window);
        if (!secrets) seen.sweeps.set(window, (secrets = new Set()));
        for (const secret of record.secrets) secrets.add(secretKeyOf(secret));
      }
    }
  }

  keys(): string[] {
    return [...this.byPrincipal.values()].map((s) => stateKeys.principal(s.hash));
  }

  updates(read: ReadonlyMap<string, StateItem>): StateUpdate[] {
    const learningStartMs = this.learning.startFrom(read);
    const memory = days(this.config.firstReadMemoryDays);
    const out: StateUpdate[] = [];
    for (const seen of this.byPrincipal.values()) {
      const key = stateKeys.principal(seen.hash);
      const item = read.get(key);
      if (!item) {
        this.created.set(key, this.newItem(seen, learningStartMs));
        continue;
      }
      const setIfAbsent: Record<string, string | number> = {};
      const set: Record<string, string | number> = {};
      const add: Record<string, string[]> = {};
      if (seen.firstBatch && stringAttribute(item, 'b') === undefined) setIfAbsent.b = seen.firstBatch.eventId;
      if (seen.firstList && stringAttribute(item, 'l') === undefined) setIfAbsent.l = seen.firstList.eventId;
      const networks = fresh(seen.networks, setAttribute(item, 'n'), MAX_NETWORKS);
      const clients = fresh(seen.clients, setAttribute(item, 'c'), MAX_CLIENTS);
      if (networks.length > 0) add.n = networks;
      if (clients.length > 0) add.c = clients;
      let patterns = 0;
      for (const name in item) if (name.startsWith('p.')) patterns += 1;
      for (const [pattern, hours] of seen.patternHours) {
        const known = setAttribute(item, `p.${pattern}`);
        if (known.size >= this.config.automationRepeats) continue;
        if (known.size === 0 && (patterns += 1) > MAX_PATTERNS) continue;
        const more = [...hours].filter((h) => !known.has(h));
        if (more.length > 0) add[`p.${pattern}`] = more;
      }
      const sweep = Math.max(0, ...[...seen.sweeps.values()].map((s) => s.size));
      if (sweep >= Math.ceil(this.config.sweepSecrets / 2) && sweep > (numberAttribute(item, 's') ?? 0)) set.s = sweep;
      const followed = fresh(this.scheduledSecrets(seen, item, learningStartMs), setAttribute(item, 'r'), MAX_SCHEDULED_SECRETS);
      if (followed.length > 0) add.r = followed;
      const novel = this.novelRecord(seen, item, learningStartMs);
      if (novel) set.x = novel.eventId;
      const refreshed = numberAttribute(item, 'seen');
      if (refreshed !== undefined && refreshed * 1000 < this.nowMs - memory / 2) set.seen = epochSeconds(this.nowMs);
      if (Object.keys(setIfAbsent).length + Object.keys(set).length + Object.keys(add).length === 0) continue;
      out.push({ key, setIfAbsent, set, add, expiresAt: expiryAfter(this.nowMs, memory, this.nowMs) });
    }
    return out;
  }

  /**
   * A principal seen for the first time is created with a put (one call for up to 100 items,
   * merged with the activity phase's put of the same item), not an update per principal.
   */
  puts(): StatePut[] {
    const expiresAt = expiryAfter(this.nowMs, days(this.config.firstReadMemoryDays), this.nowMs);
    return [...this.created].map(([key, item]) => ({ key, item, expiresAt }));
  }

  finish(read: ReadonlyMap<string, StateItem>, updated: ReadonlyMap<string, StateItem>, created: ReadonlySet<string>): void {
    this.read = read;
    this.learningEndsMs = this.learning.startFrom(read) + days(this.config.learningDays);
    for (const seen of this.byPrincipal.values()) {
      const key = stateKeys.principal(seen.hash);
      const mine = created.has(key) ? this.created.get(key) : undefined;
      for (const attribute of ['b', 'l', 'x']) {
        const event = latestEvent(attribute, mine, updated.get(key), read.get(key));
        if (event === undefined) continue;
        if (seen.ids.has(event)) (attribute === 'x' ? this.novel : this.firsts).add(event);
      }
    }
  }

  /** Whether the record is its principal's first successful BatchGetSecretValue (or ListSecrets) ever. */
  isFirstOfItsKind(record: AuditRecord): boolean {
    return this.firsts.size > 0 && this.firsts.has(record.eventId);
  }

  /** Whether the record is the one that brought its (known) principal to a new public network with a new client, after learning. */
  isNovelAccess(record: AuditRecord): boolean {
    return this.novel.size > 0 && this.novel.has(record.eventId);
  }

  /** The principal's habits as they were before this batch. */
  of(principal: AuditPrincipal): PrincipalHabits {
    const seen = this.byPrincipal.get(principal.key);
    const item = seen ? this.read.get(stateKeys.principal(seen.hash)) : undefined;
    const first = stringAttribute(item, 'first') ?? seen?.earliest;
    const firstSeenMs = first === undefined ? this.nowMs : timeMs(first);
    return new KnownHabits(this, seen, item, firstSeenMs, principalIsOneOf(principal, this.config.automationRoles));
  }

  /** The pattern was seen in enough distinct hours of the principal's item to be its own. */
  isEstablishedIn(item: StateItem | undefined, pattern: string): boolean {
    return setAttribute(item, `p.${pattern}`).size >= this.config.automationRepeats;
  }

  /** Whether `record` falls in the learning period of named automation first seen at `firstSeenMs`. */
  inLearningSince(firstSeenMs: number, record: AuditRecord): boolean {
    return timeMs(record.time) < firstSeenMs + days(this.config.learningDays);
  }

  /** {@link PrincipalHabits.isScheduledRead} for a principal of this batch. */
  isScheduledReadOf(seen: Seen | undefined, item: StateItem | undefined, record: AuditRecord): boolean {
    return seen !== undefined && this.isScheduledRead(seen, item, record);
  }

  /**
   * The secrets read in the minute after the principal's scheduled batch calls of this batch (a
   * pattern established before it, or any while the trail is learning): what its schedule returns.
   */
  private scheduledSecrets(seen: Seen, item: StateItem | undefined, learningStartMs: number): Set<string> {
    const calls = this.scheduledCallTimes(seen, item, learningStartMs);
    const secrets = new Set<string>();
    if (calls.length === 0) return secrets;
    for (const read of readFactsOf(seen).values()) if (calls.some((at) => followsWithin(read.atMs, at))) secrets.add(read.secret);
    return secrets;
  }

  private scheduledCallTimes(seen: Seen, item: StateItem | undefined, learningStartMs: number): number[] {
    const learningEndsMs = learningStartMs + days(this.config.learningDays);
    return seen.batchCalls.filter((c) => c.atMs < learningEndsMs || setAttribute(item, `p.${c.pattern}`).size >= this.config.automationRepeats).map((c) => c.atMs);
  }

  private isScheduledRead(seen: Seen, item: StateItem | undefined, record: AuditRecord): boolean {
    const read = readFactsOf(seen).get(record);
    if (!read) return false;
    if (setAttribute(item, 'r').has(read.secret)) return true;
    // While learning, a schedule's first syncs: the reads right after any batch call of this batch.
    return read.atMs < this.learningEndsMs && seen.batchCalls.some((c) => followsWithin(read.atMs, c.atMs));
  }

  /** Everything this batch learned about a principal seen for the first time. */
  private newItem(seen: Seen, learningStartMs: number): Record<string, string | number | readonly string[]> {
    const item: Record<string, string | number | readonly string[]> = { first: seen.earliest, seen: epochSeconds(this.nowMs) };
    if (seen.firstBatch) item.b = seen.firstBatch.eventId;
    if (seen.firstList) item.l = seen.firstList.eventId;
    const networks = fresh(seen.networks, EMPTY, MAX_NETWORKS);
    const clients = fresh(seen.clients, EMPTY, MAX_CLIENTS);
    if (networks.length > 0) item.n = networks;
    if (clients.length > 0) item.c = clients;
    for (const [pattern, hours] of [...seen.patternHours].slice(0, MAX_PATTERNS)) item[`p.${pattern}`] = [...hours].slice(0, this.config.automationRepeats);
    const sweep = Math.max(0, ...[...seen.sweeps.values()].map((s) => s.size));
    if (sweep >= Math.ceil(this.config.sweepSecrets / 2)) item.s = sweep;
    const followed = fresh(this.scheduledSecrets(seen, undefined, learningStartMs), EMPTY, MAX_SCHEDULED_SECRETS);
    if (followed.length > 0) item.r = followed;
    return item;
  }

  /**
   * The first record (in time) from a public network group and a client family the principal never
   * used, when the principal was known for a whole learning period and the trail's learning is over.
   */
  private novelRecord(seen: Seen, item: StateItem | undefined, learningStartMs: number): AuditRecord | undefined {
    const first = stringAttribute(item, 'first');
    if (first === undefined) return undefined;
    const knownSinceMs = timeMs(first) + days(this.config.learningDays);
    const trailLearnedMs = learningStartMs + days(this.config.learningDays);
    const networks = setAttribute(item, 'n');
    const clients = setAttribute(item, 'c');
    if (networks.size >= MAX_NETWORKS) return undefined;
    let novel: AuditRecord | undefined;
    for (const { record, network, client } of seen.publicCalls) {
      const at = timeMs(record.time);
      if (at < knownSinceMs || at < trailLearnedMs || networks.has(network) || clients.has(client)) continue;
      if (!novel || record.time < novel.time) novel = record;
    }
    return novel;
  }
}

/**
 * One principal's habits, for the detectors: a class rather than an object of closures, since one
 * is made for every principal's window of every batch.
 */
class KnownHabits implements PrincipalHabits {
  constructor(
    private readonly phase: HabitsPhase,
    private readonly seen: Seen | undefined,
    private readonly item: StateItem | undefined,
    readonly firstSeenMs: number,
    private readonly automation: boolean,
  ) {}

  get largestSweep(): number | undefined {
    return numberAttribute(this.item, 's');
  }

  isEstablished(pattern: string): boolean {
    return this.phase.isEstablishedIn(this.item, pattern);
  }

  inOwnLearning(record: AuditRecord): boolean {
    return this.automation && this.phase.inLearningSince(this.firstSeenMs, record);
  }

  isScheduledRead(record: AuditRecord): boolean {
    return this.phase.isScheduledReadOf(this.seen, this.item, record);
  }

  isFirstOfItsKind(record: AuditRecord): boolean {
    return this.phase.isFirstOfItsKind(record);
  }
}

/** {@link Seen.readFacts}, worked out once. */
function readFactsOf(seen: Seen): Map<AuditRecord, { secret: string; atMs: number }> {
  if (!seen.readFacts) {
    seen.readFacts = new Map();
    for (const record of seen.valueReads) seen.readFacts.set(record, { secret: shortHash(secretKeyOf(record.secrets[0]!)), atMs: timeMs(record.time) });
  }
  return seen.readFacts;
}

/** An event id attribute as this batch left it: its own new item's, else the update's, else the read's. */
function latestEvent(attribute: string, mine: Record<string, unknown> | undefined, updated: StateItem | undefined, read: StateItem | undefined): string | undefined {
  const value = mine?.[attribute];
  return typeof value === 'string' ? value : (stringAttribute(updated, attribute) ?? stringAttribute(read, attribute));
}

const EMPTY: ReadonlySet<string> = new Set();
const PRIVATE_HASH = shortHash(PRIVATE_GROUP.label);

/** Members of `seen` not in `known`, as many as fit under `max`. */
function fresh(seen: ReadonlySet<string>, known: ReadonlySet<string>, max: number): string[] {
  const room = max - known.size;
  if (room <= 0) return [];
  const out: string[] = [];
  for (const member of seen) if (!known.has(member) && out.length < room) out.push(member);
  return out;
}
