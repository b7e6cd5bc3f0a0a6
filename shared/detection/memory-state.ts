import type { DetectorState, StateItem, StatePut, StateUpdate, StateValue } from './state';

/**
 * The detector state in memory, with the DynamoDB adapter's semantics (atomic per key, sets,
 * put-if-absent). Expiry is not enforced: a process that uses it is short-lived (a replay with
 * `--memory`, the benchmark, a test). Items are copied on write, never on read, so what a caller
 * read earlier keeps showing the state as it was then (as a DynamoDB response would), at no cost
 * per read.
 */
export class MemoryDetectorState implements DetectorState {
  private readonly items = new Map<string, Readonly<Record<string, StateValue>>>();
  /** Items written: one per updated key, per attempted put, per deleted key (what the adapter's calls carry). */
  writes = 0;

  async get(keys: readonly string[]): Promise<Map<string, StateItem>> {
    const out = new Map<string, StateItem>();
    for (const key of keys) {
      const item = this.items.get(key);
      if (item) out.set(key, item);
    }
    return out;
  }

  async update(updates: readonly StateUpdate[]): Promise<Map<string, StateItem>> {
    const out = new Map<string, StateItem>();
    for (const update of updates) {
      this.writes += 1;
      const item: Record<string, StateValue> = { ...this.items.get(update.key) };
      const touched: Record<string, StateValue> = {};
      for (const [name, value] of Object.entries(update.add ?? {})) {
        const known = item[name];
        if (typeof value === 'number') {
          item[name] = (typeof known === 'number' ? known : 0) + value;
        } else {
          const set = new Set<string>(known instanceof Set ? (known as Set<string>) : []);
          for (const member of value) set.add(member);
          item[name] = set;
        }
        touched[name] = item[name]!;
      }
      for (const [name, value] of Object.entries(update.setIfAbsent ?? {})) {
        if (!(name in item)) item[name] = value;
        touched[name] = item[name]!;
      }
      for (const [name, value] of Object.entries(update.set ?? {})) {
        item[name] = value;
        touched[name] = value;
      }
      for (const name of update.remove ?? []) delete item[name];
      this.items.set(update.key, item);
      out.set(update.key, touched);
    }
    return out;
  }

  async putIfAbsent(puts: readonly StatePut[]): Promise<Set<string>> {
    const created = new Set<string>();
    for (const put of puts) {
      this.writes += 1;
      if (this.items.has(put.key)) continue;
      const item: Record<string, StateValue> = {};
      for (const [name, value] of Object.entries(put.item)) {
        if (typeof value === 'string' || typeof value === 'number') item[name] = value;
        else if (value.length > 0) item[name] = new Set(value as readonly string[]);
      }
      this.items.set(put.key, item);
      created.add(put.key);
    }
    return created;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.writes += 1;
      this.items.delete(key);
    }
  }

  /** Every item, for measuring (the benchmark). */
  entries(): IterableIterator<[string, Readonly<Record<string, StateValue>>]> {
    return this.items.entries();
  }

  /** How many items it holds. */
  get size(): number {
    return this.items.size;
  }
}
