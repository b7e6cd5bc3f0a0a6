import { secretKeyOf, type AuditRecord } from '../audit/record';
import type { DetectionConfig } from './config';
import { epochSeconds, shortHash, stateKeys } from './keys';
import { days, expiryAfter, numberAttribute, stringAttribute, type StatePhase } from './phase';
import type { LearningPhase } from './learning';
import type { StateItem, StatePut, StateUpdate } from './state';

/**
 * Which principal has read which secret, one small item per pair. In steady state a batch only reads these:
 * a pair is written once, when it is new, with a put-if-absent, so of two batches racing over
 * the same first read exactly one raises it. The pair remembers the event that created it, so a
 * redelivery of that event is still recognised as the first read (and the finding's claim makes
 * sure it is published once).
 */
export class FirstReadPhase implements StatePhase {
  /** Pair key → the earliest successful read of the pair in this batch. */
  private readonly pairs = new Map<string, AuditRecord>();
  /** Event id → the secrets it read first. */
  private readonly firsts = new Map<string, Set<string>>();

  constructor(
    watched: readonly AuditRecord[],
    private readonly config: DetectionConfig,
    private readonly nowMs: number,
    private readonly learning: LearningPhase,
  ) {
    // By principal, then by secret name: strings the records share, so no key is built per read
    // (a principal reads the same few secrets all day); the pair keys are built once per pair.
    const byPrincipal = new Map<string, Map<string, AuditRecord>>();
    for (const record of watched) {
      if (!record.readsValue || record.errorCode || record.principal.type === 'AWSService') continue;
      let bySecret = byPrincipal.get(record.principal.key);
      if (!bySecret) byPrincipal.set(record.principal.key, (bySecret = new Map()));
      for (const secret of record.secrets) keepEarliest(bySecret, secretKeyOf(secret), record);
    }
    for (const [principal, bySecret] of byPrincipal) {
      const principalHash = shortHash(principal);
      for (const [name, record] of bySecret) keepEarliest(this.pairs, stateKeys.pair(principalHash, shortHash(name)), record);
    }
  }

  keys(): string[] {
    return [...this.pairs.keys()];
  }

  updates(read: ReadonlyMap<string, StateItem>): StateUpdate[] {
    const memory = days(this.config.firstReadMemoryDays);
    const out: StateUpdate[] = [];
    // A pair read again is remembered again, before it expires and would look new.
    for (const key of this.pairs.keys()) {
      const seen = numberAttribute(read.get(key), 'seen');
      if (seen !== undefined && seen * 1000 < this.nowMs - memory / 2) {
        out.push({ key, set: { seen: epochSeconds(this.nowMs) }, expiresAt: expiryAfter(this.nowMs, memory, this.nowMs) });
      }
    }
    return out;
  }

  puts(read: ReadonlyMap<string, StateItem>): StatePut[] {
    const out: StatePut[] = [];
    const expiresAt = expiryAfter(this.nowMs, days(this.config.firstReadMemoryDays), this.nowMs);
    for (const [key, record] of this.pairs) {
      if (!read.has(key)) out.push({ key, item: { first: record.time, event: record.eventId, seen: epochSeconds(this.nowMs) }, expiresAt });
    }
    return out;
  }

  finish(read: ReadonlyMap<string, StateItem>, _updated: ReadonlyMap<string, StateItem>, created: ReadonlySet<string>): void {
    for (const [key, record] of this.pairs) {
      const stored = read.get(key);
      const first = created.has(key) || stringAttribute(stored, 'event') === record.eventId;
      if (!first) continue;
      const principalHash = shortHash(record.principal.key);
      for (const secret of record.secrets) {
        if (stateKeys.pair(principalHash, shortHash(secretKeyOf(secret))) !== key) continue;
        let names = this.firsts.get(record.eventId);
        if (!names) this.firsts.set(record.eventId, (names = new Set()));
        names.add(secretKeyOf(secret));
      }
    }
  }

  /** Whether the record is the first read of the secret by its principal, after learning. */
  isFirstReadAfterLearning(record: AuditRecord, secretName: string): boolean {
    // Most batches read nothing for the first time: no lookup by the record's (unhashed) event id.
    return this.firsts.size > 0 && this.firsts.get(record.eventId)?.has(secretName) === true && this.learning.isOverAt(record);
  }
}

/** Keeps the earlier record under `key`. */
function keepEarliest(map: Map<string, AuditRecord>, key: string, record: AuditRecord): void {
  const known = map.get(key);
  if (!known || record.time < known.time) map.set(key, record);
}
