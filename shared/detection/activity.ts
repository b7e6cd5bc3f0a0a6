import type { AuditPrincipal, AuditRecord } from '../audit/record';
import { MAX_WINDOW_MEMBERS, type DetectionConfig } from './config';
import type { HourlyReads, PrincipalActivity, WindowMeasure } from './detector';
import { HOURLY_READS_TAG } from './hourly-reads';
import { epochSeconds, hourStartMs, isoOf, principalAttribute, shardOf, shortHash, stateKeys, timeMs, windowStartMs } from './keys';
import { days, expiryAfter, numberAttribute, setAttribute, stringAttribute, type StatePhase } from './phase';
import type { StateItem, StatePut, StateUpdate } from './state';

const HOUR_MS = 3_600_000;

/** What this phase works out of a principal's activity; the engine adds habits and learning. */
export type WindowActivity = Omit<PrincipalActivity, 'habits' | 'afterLearning'>;
/** Late events still find their window's counters this long after it closed. */
const LATE_EVENTS_MS = HOUR_MS;

interface Group {
  principal: AuditPrincipal;
  principalHash: string;
  windowStartMs: number;
  hourStartMs: number;
  shard: number;
  records: AuditRecord[];
  /** Value reads in this batch (each also counted once in the hour's counter by the store). */
  valueReads: number;
  /**
   * Its items' keys (this window's and the previous one's sets, the hour's counters), built once:
   * each phase step looks them up, and a key built again is a new string to hash again.
   */
  windowKey: string;
  previousWindowKey: string;
  hourKey: string;
}

/**
 * Per-principal activity, aggregated per batch. Every principal's counters for one window live in
 * a few shared items (`KEYWARDEN_STATE_SHARDS`, by a hash of the principal), with one attribute
 * per principal and measure, so a batch costs one UpdateItem per shard and window touched, not
 * one per event or per principal:
 *
 * - `win#<start>#<shard>`: for each measure a string set per principal (hashed members: secret
 *   names read, event ids of denied reads...). Adding a member twice is a no-op, so a redelivered
 *   or concurrently processed event never counts twice. Members already present (read first) are
 *   not written again, so a principal reading the same secrets all day costs nothing here.
 * - `hour#<start>#<shard>`: value reads per principal per hour, only read here: the audit store
 *   adds each event to it in the transaction that stores the event (hourly-reads.ts), so the
 *   count is exact under redelivery; the hours before it are the principal's baseline.
 * - `prin#<principal>`: when the principal was first seen, written once (its habits live there too).
 *
 * A measure is reported over the current and the previous window together, so a burst that
 * straddles a window boundary is still seen whole.
 */
export class ActivityPhase implements StatePhase {
  /** Principal key → window start → group. */
  private readonly byPrincipal = new Map<string, Map<number, Group>>();
  private readonly groups: Group[] = [];
  private readonly earliestByPrincipal = new Map<string, string>();
  private result: WindowActivity[] = [];

  constructor(
    watched: readonly AuditRecord[],
    private readonly measures: readonly WindowMeasure[],
    private readonly config: DetectionConfig,
    private readonly nowMs: number,
  ) {
    for (const record of watched) {
      if (record.principal.type === 'AWSService') continue;
      const ms = timeMs(record.time);
      const start = windowStartMs(ms, config.windowMinutes);
      let windows = this.byPrincipal.get(record.principal.key);
      if (!windows) this.byPrincipal.set(record.principal.key, (windows = new Map()));
      let group = windows.get(start);
      if (!group) {
        const principalHash = shortHash(record.principal.key);
        const shard = shardOf(principalHash, config.stateShards);
        const hour = hourStartMs(ms);
        group = {
          principal: record.principal,
          principalHash,
          windowStartMs: start,
          hourStartMs: hour,
          shard,
          records: [],
          valueReads: 0,
          windowKey: stateKeys.window(start, shard),
          previousWindowKey: stateKeys.window(start - config.windowMinutes * 60_000, shard),
          hourKey: stateKeys.hour(hour, shard),
        };
        windows.set(start, group);
        this.groups.push(group);
      }
      group.records.push(record);
      group.principal = record.principal;
      if (record.readsValue) group.valueReads += 1;
      const earliest = this.earliestByPrincipal.get(group.principalHash);
      if (earliest === undefined || record.time < earliest) this.earliestByPrincipal.set(group.principalHash, record.time);
    }
    for (const group of this.groups) group.records.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  keys(): string[] {
    const keys = new Set<string>();
    const hours = new Set<string>();
    for (const g of this.groups) {
      if (this.measures.length > 0) {
        keys.add(g.windowKey);
        keys.add(g.previousWindowKey);
      }
      // Principals share their hours and shards: each hour's counters are listed once.
      const hourKey = g.hourKey;
      if (!hours.has(hourKey)) {
        hours.add(hourKey);
        for (let h = 0; h <= this.config.rateBaselineHours; h += 1) keys.add(stateKeys.hour(g.hourStartMs - h * HOUR_MS, g.shard));
      }
      keys.add(stateKeys.principal(g.principalHash));
    }
    return [...keys];
  }

  updates(read: ReadonlyMap<string, StateItem>): StateUpdate[] {
    const out: StateUpdate[] = [];
    const window = this.config.windowMinutes * 60_000;
    for (const g of this.groups) {
      const windowKey = g.windowKey;
      const current = read.get(windowKey);
      const add: Record<string, string[]> = {};
      for (const measure of this.measures) {
        const attribute = principalAttribute(measure.tag, g.principalHash);
        const known = setAttribute(current, attribute);
        if (known.size >= MAX_WINDOW_MEMBERS) continue;
        const fresh = new Set<string>();
        for (const record of g.records) {
          for (const value of measure.values(record, this.config)) {
            const member = shortHash(value);
            if (!known.has(member)) fresh.add(member);
          }
        }
        if (fresh.size > 0) add[attribute] = [...fresh];
      }
      if (Object.keys(add).length > 0) out.push({ key: windowKey, add, expiresAt: expiryAfter(g.windowStartMs + 2 * window, LATE_EVENTS_MS, this.nowMs) });
    }
    const memory = days(this.config.firstReadMemoryDays);
    for (const principalHash of this.earliestByPrincipal.keys()) {
      const key = stateKeys.principal(principalHash);
      const seen = numberAttribute(read.get(key), 'seen');
      if (seen !== undefined && seen * 1000 < this.nowMs - memory / 2) out.push({ key, set: { seen: epochSeconds(this.nowMs) }, expiresAt: expiryAfter(this.nowMs, memory, this.nowMs) });
    }
    return out;
  }

  puts(read: ReadonlyMap<string, StateItem>): StatePut[] {
    const expiresAt = expiryAfter(this.nowMs, days(this.config.firstReadMemoryDays), this.nowMs);
    const out: StatePut[] = [];
    // A put, merged by the engine with the habits phase's put of the same new item (habits.ts).
    for (const [principalHash, earliest] of this.earliestByPrincipal) {
      const key = stateKeys.principal(principalHash);
      if (!read.has(key)) out.push({ key, item: { first: earliest, seen: epochSeconds(this.nowMs) }, expiresAt });
    }
    return out;
  }

  finish(read: ReadonlyMap<string, StateItem>, updated: ReadonlyMap<string, StateItem>): void {
    const baselineHours = this.config.rateBaselineHours;
    // An item this batch updated is read as it is now: a batch can span two windows or hours.
    const latestSet = (key: string, attribute: string) => {
      const value = updated.get(key)?.[attribute];
      return value instanceof Set ? (value as ReadonlySet<string>) : setAttribute(read.get(key), attribute);
    };
    const latestNumber = (key: string, attribute: string) => numberAttribute(updated.get(key), attribute) ?? numberAttribute(read.get(key), attribute) ?? 0;
    // The baseline hours' counter items, once per hour and shard, for every principal in them.
    const pastHours = new Map<string, Array<StateItem | undefined>>();
    const pastOf = (g: Group) => {
      let items = pastHours.get(g.hourKey);
      if (!items) {
        items = [];
        for (let h = 1; h <= baselineHours; h += 1) {
          const key = stateKeys.hour(g.hourStartMs - h * HOUR_MS, g.shard);
          items.push(updated.get(key) ?? read.get(key));
        }
        pastHours.set(g.hourKey, items);
      }
      return items;
    };
    this.result = this.groups.map((g) => {
      const measures: Record<string, number> = {};
      for (const measure of this.measures) {
        const attribute = principalAttribute(measure.tag, g.principalHash);
        measures[measure.tag] = unionSize(latestSet(g.windowKey, attribute), latestSet(g.previousWindowKey, attribute));
      }
      const attribute = principalAttribute(HOURLY_READS_TAG, g.principalHash);
      const first = stringAttribute(read.get(stateKeys.principal(g.principalHash)), 'first') ?? this.earliestByPrincipal.get(g.principalHash)!;
      return {
        principal: g.principal,
        windowStart: isoOf(g.windowStartMs),
        records: g.records,
        measures,
        hour: new HourOfReads(isoOf(g.hourStartMs), latestNumber(g.hourKey, attribute), g.valueReads, timeMs(first) <= g.hourStartMs - baselineHours * HOUR_MS, baselineHours, attribute, () => pastOf(g)),
      };
    });
  }

  /** Every principal's activity in every window the batch touched. */
  activities(): readonly WindowActivity[] {
    return this.result;
  }
}

/**
 * A principal's value reads in one hour. A class rather than an object literal with a getter: one
 * is made for every principal's window of every batch, and a literal's getter is defined anew each time.
 */
class HourOfReads implements HourlyReads {
  private mean: number | undefined;

  constructor(
    readonly start: string,
    readonly reads: number,
    readonly added: number,
    readonly hasHistory: boolean,
    private readonly baselineHours: number,
    private readonly attribute: string,
    private readonly pastItems: () => ReadonlyArray<StateItem | undefined>,
  ) {}

  // Worked out only when a detector asks: most principals are far below any rate limit.
  get baseline(): number {
    if (this.mean === undefined) {
      let past = 0;
      for (const item of this.pastItems()) past += numberAttribute(item, this.attribute) ?? 0;
      this.mean = past / this.baselineHours;
    }
    return this.mean;
  }
}

function unionSize(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let size = a.size;
  for (const member of b) if (!a.has(member)) size += 1;
  return size;
}
