import { expect, it } from 'vitest';
import type { DetectorState } from '../../shared/detection/state';

/**
 * What every DetectorState must do, run against the memory state (unit) and DynamoDB (integration):
 * the guarantees the engine's counting relies on.
 */
export function detectorStateContract(make: () => Promise<DetectorState> | DetectorState): void {
  it('adds to numbers and sets atomically, returning the touched attributes as they are after', async () => {
    const state = await make();
    const first = await state.update([{ key: 'w', add: { count: 2, members: ['a', 'b'] }, setIfAbsent: { first: 't1' }, expiresAt: 2_000_000_000 }]);
    expect(first.get('w')).toEqual({ count: 2, members: new Set(['a', 'b']), first: 't1' });
    const second = await state.update([{ key: 'w', add: { count: 3, members: ['b', 'c'] }, setIfAbsent: { first: 't2' }, set: { seen: 7 }, expiresAt: 2_000_000_000 }]);
    // Whether an unchanged if-absent attribute comes back differs (DynamoDB's UPDATED_NEW); the item is what counts.
    expect(second.get('w')).toMatchObject({ count: 5, members: new Set(['a', 'b', 'c']), seen: 7 });
    expect((await state.get(['w'])).get('w')).toEqual({ count: 5, members: new Set(['a', 'b', 'c']), first: 't1', seen: 7 });
    await state.update([{ key: 'w', remove: ['first'], expiresAt: 2_000_000_000 }]);
    expect((await state.get(['w', 'missing'])).get('w')).toEqual({ count: 5, members: new Set(['a', 'b', 'c']), seen: 7 });
  });

  it('adds up concurrent updates to the same counter and set', async () => {
    const state = await make();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => state.update([{ key: 'hot', add: { n: 1, ids: [`e${i}`, 'shared'] }, expiresAt: 2_000_000_000 }])),
    );
    const item = (await state.get(['hot'])).get('hot')!;
    expect(item.n).toBe(10);
    expect((item.ids as Set<string>).size).toBe(11);
  });

  it('creates an absent item for exactly one of several writers', async () => {
    const state = await make();
    const keys = Array.from({ length: 30 }, (_, i) => `pair#${i}`);
    const [a, b] = await Promise.all([
      state.putIfAbsent(keys.slice(0, 20).map((key) => ({ key, item: { by: 'a' }, expiresAt: 2_000_000_000 }))),
      state.putIfAbsent(keys.slice(10).map((key) => ({ key, item: { by: 'b' } }))),
    ]);
    expect(a.size + b.size).toBe(30);
    expect([...a].filter((key) => b.has(key))).toEqual([]);
    const stored = await state.get(keys);
    for (const key of keys) expect(stored.get(key)?.by).toBe(a.has(key) ? 'a' : 'b');
    expect((await state.putIfAbsent([{ key: 'pair#0', item: { by: 'c' } }])).size).toBe(0);
  });

  it('stores a put\'s list as a string set that later updates add to, and leaves an empty list out', async () => {
    const state = await make();
    expect(await state.putIfAbsent([{ key: 'prin#x', item: { first: 't1', n: ['a', 'b'], c: [] }, expiresAt: 2_000_000_000 }])).toEqual(new Set(['prin#x']));
    expect((await state.get(['prin#x'])).get('prin#x')).toEqual({ first: 't1', n: new Set(['a', 'b']) });
    await state.update([{ key: 'prin#x', add: { n: ['c'], c: ['go'] }, expiresAt: 2_000_000_000 }]);
    expect((await state.get(['prin#x'])).get('prin#x')).toEqual({ first: 't1', n: new Set(['a', 'b', 'c']), c: new Set(['go']) });
  });

  it('reads more keys than one request takes, and deletes', async () => {
    const state = await make();
    const keys = Array.from({ length: 230 }, (_, i) => `k#${i}`);
    await state.putIfAbsent(keys.map((key, i) => ({ key, item: { i } })));
    const read = await state.get([...keys, 'nope']);
    expect(read.size).toBe(230);
    expect(read.get('k#229')).toEqual({ i: 229 });
    await state.delete(keys.slice(0, 40));
    expect((await state.get(keys)).size).toBe(190);
  });
}
