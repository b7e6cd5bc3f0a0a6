/**
 * Where detectors remember things between batches: window counters, first-seen pairs, baselines,
 * what the trail said about secrets, and which findings were already raised. Items are keyed by
 * a string and hold attributes that are numbers, strings or string sets; each may expire.
 *
 * The contract is what DynamoDB gives with UpdateItem ADD and conditional puts, so two batches
 * processed at once never double count: adding to a number is atomic, adding a member to a set
 * twice is a no-op, and a put-if-absent succeeds for exactly one writer. The DynamoDB adapter is
 * shared/aws/dynamodb-detector-state.ts; {@link MemoryDetectorState} (memory-state.ts) is the same
 * contract in memory.
 */

/** An attribute value. */
export type StateValue = number | string | ReadonlySet<string>;

/** An item's attributes. */
export type StateItem = Readonly<Record<string, StateValue>>;

/** Changes to one item, applied atomically in one write. */
export interface StateUpdate {
  key: string;
  /** Numbers added to numbers; strings added as members of string sets. Created when absent. */
  add?: Readonly<Record<string, number | readonly string[]>>;
  /** Attributes set only when the item does not have them yet. */
  setIfAbsent?: Readonly<Record<string, string | number>>;
  /** Attributes set (overwritten). */
  set?: Readonly<Record<string, string | number>>;
  /** Attributes removed. */
  remove?: readonly string[];
  /** When the item may be deleted (epoch seconds). */
  expiresAt: number;
}

/** An item to create only if no item has its key. */
export interface StatePut {
  key: string;
  /** Attributes; a list is stored as a string set (an empty one is left out). */
  item: Readonly<Record<string, string | number | readonly string[]>>;
  /** When the item may be deleted (epoch seconds); none keeps it. */
  expiresAt?: number;
}

/** The detector state. */
export interface DetectorState {
  /** The items that exist among `keys`. */
  get(keys: readonly string[]): Promise<Map<string, StateItem>>;
  /**
   * Applies updates, one write per key (updates to the same key must be merged first; see
   * {@link mergeUpdates}). Returns, per key, the attributes the update added to or set, as they
   * are after it (an if-absent attribute that was already there may be left out).
   */
  update(updates: readonly StateUpdate[]): Promise<Map<string, StateItem>>;
  /** Creates the items whose keys are free; returns the keys this call created. */
  putIfAbsent(puts: readonly StatePut[]): Promise<Set<string>>;
  /** Deletes items (a finding's claim that could not be published). */
  delete(keys: readonly string[]): Promise<void>;
}

/**
 * Merges puts of the same key into one item (the first put's value wins per attribute, the
 * latest expiry is kept), so two phases creating the same item cost one write and lose nothing.
 */
export function mergePuts(puts: readonly StatePut[]): StatePut[] {
  const byKey = new Map<string, { item: Record<string, string | number | readonly string[]>; expiresAt?: number }>();
  for (const put of puts) {
    const known = byKey.get(put.key);
    if (!known) {
      byKey.set(put.key, { item: { ...put.item }, expiresAt: put.expiresAt });
      continue;
    }
    for (const [name, value] of Object.entries(put.item)) if (!(name in known.item)) known.item[name] = value;
    if (put.expiresAt === undefined || known.expiresAt === undefined) known.expiresAt = undefined;
    else known.expiresAt = Math.max(known.expiresAt, put.expiresAt);
  }
  return [...byKey].map(([key, m]) => (m.expiresAt === undefined ? { key, item: m.item } : { key, item: m.item, expiresAt: m.expiresAt }));
}

/** Merges updates to the same key into one, so each key costs one write. */
export function mergeUpdates(updates: readonly StateUpdate[]): StateUpdate[] {
  const byKey = new Map<string, { add: Record<string, number | string[]>; setIfAbsent: Record<string, string | number>; set: Record<string, string | number>; remove: Set<string>; expiresAt: number }>();
  for (const update of updates) {
    let merged = byKey.get(update.key);
    if (!merged) {
      merged = { add: {}, setIfAbsent: {}, set: {}, remove: new Set(), expiresAt: update.expiresAt };
      byKey.set(update.key, merged);
    }
    merged.expiresAt = Math.max(merged.expiresAt, update.expiresAt);
    for (const [name, value] of Object.entries(update.add ?? {})) {
      const known = merged.add[name];
      if (typeof value === 'number') merged.add[name] = (typeof known === 'number' ? known : 0) + value;
      else merged.add[name] = [...new Set([...((known as string[] | undefined) ?? []), ...value])];
    }
    for (const [name, value] of Object.entries(update.setIfAbsent ?? {})) if (!(name in merged.setIfAbsent)) merged.setIfAbsent[name] = value;
    Object.assign(merged.set, update.set ?? {});
    for (const name of update.remove ?? []) merged.remove.add(name);
  }
  return [...byKey].map(([key, m]) => ({ key, add: m.add, setIfAbsent: m.setIfAbsent, set: m.set, remove: [...m.remove], expiresAt: m.expiresAt }));
}
