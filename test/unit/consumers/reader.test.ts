import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import type { AuditQuery } from '../../../shared/audit/store';
import { readConsumers } from '../../../shared/consumers/reader';
import { normalised, readsEvery, stageMoveRecord } from '../../support/consumer-trail';

const SECRET = 'multitenant-ai-poc/tenant-1/orders-db';
const CHANGE = new Date('2026-03-01T00:00:00Z');
const at = (minutes: number) => new Date(CHANGE.getTime() + minutes * 60_000);

async function store() {
  const memory = new MemoryAuditStore();
  await memory.putNew(
    normalised([
      ...readsEvery(SECRET, 'batch-job', at(-600), at(0), 10),
      stageMoveRecord(SECRET, 'v2', at(0)),
      ...readsEvery(SECRET, 'payments-api', at(1), at(120), 1),
    ]),
  );
  const queries: AuditQuery[] = [];
  return { audit: { putNew: memory.putNew.bind(memory), query: (q: AuditQuery) => (queries.push(q), memory.query(q)) }, queries };
}

describe('reading the consumers of a secret', () => {
  it('makes one query when Secrets Manager dates the change as the trail does', async () => {
    const { audit, queries } = await store();
    const reading = await readConsumers(audit, { name: SECRET, currentVersionId: 'v2', lastRotatedDate: CHANGE }, at(180), 7);
    expect(queries).toHaveLength(1);
    expect(reading.currentSince?.source).toBe('audit-trail');
    expect(reading.map.consumers.map((c) => c.name).sort()).toEqual(['batch-job', 'payments-api']);
  });

  it('reads the reads before the change with a second query when reads since then fill the first', async () => {
    const { audit, queries } = await store();
    // 119 reads since the change fill a first query of 100: batch-job, which read only before, comes from the second.
    const reading = await readConsumers(audit, { name: SECRET, currentVersionId: 'v2', lastRotatedDate: at(-1) }, at(180), 7, 100);
    expect(queries).toHaveLength(1 + 1);
    expect(reading.truncated).toBe(true);
    expect(reading.map.consumers.map((c) => c.name).sort()).toEqual(['batch-job', 'payments-api']);
  });
});
