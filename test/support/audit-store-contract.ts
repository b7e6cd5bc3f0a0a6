import { expect, it } from 'vitest';
import { normaliseCloudTrail } from '../../shared/audit/normalise';
import type { AuditRecord } from '../../shared/audit/record';
import type { AuditQuery, AuditStore } from '../../shared/audit/store';
import type { DetectorState } from '../../shared/detection/state';
import { APP_ROLE, USER, cloudTrail, getSecretValue } from './cloudtrail-records';

const read = (raw: Record<string, unknown>): AuditRecord => {
  const result = normaliseCloudTrail(raw);
  if (result.kind !== 'record') throw new Error(result.reason);
  return result.record;
};

const query = (q: Partial<AuditQuery> & Pick<AuditQuery, 'by' | 'value'>): AuditQuery => ({ since: '2024-01-01T00:00:00.000Z', until: '2024-12-31T00:00:00.000Z', limit: 100, ...q });

/** What every AuditStore must do, run against memory (unit) and DynamoDB (integration). */
export function auditStoreContract(make: () => Promise<AuditStore> | AuditStore, counted?: () => { store: AuditStore; state: DetectorState }): void {
  it('attack: secret ids of 1,200 ASCII and 3,000 multibyte characters -> stored under bounded keys, found again by the same ids', async () => {
    const store = await make();
    const ascii = `app/tenant-1/${'a'.repeat(1200)}`;
    const wide = `app/tenant-1/${'é'.repeat(3000)}`;
    const records = [ascii, wide, `${ascii}b`].map((id, i) => read(getSecretValue(id, USER, `2024-05-01T10:00:0${i}Z`)));
    const put = await store.putNew(records);
    expect(put.refused.size).toBe(0);
    expect(put.stored.size).toBe(3);
    for (const record of records) expect((await store.query(query({ by: 'secret', value: record.secrets[0]!.name }))).map((r) => r.eventId)).toEqual([record.eventId]);
  });

  if (counted) {
    it('counts each stored event once, in the same write, however often it is put', async () => {
      const { store, state } = counted();
      const records = Array.from({ length: 30 }, (_, i) => read(getSecretValue(`app/tenant-1/s-${i}`, USER, `2024-05-01T10:00:${String(i).padStart(2, '0')}Z`)));
      const counter = (record: AuditRecord) => (record.readsValue ? { key: 'hour#contract', attribute: 'n.user', expiresAt: 4_102_444_800 } : undefined);
      await store.putNew(records.slice(0, 20), counter);
      await Promise.all([store.putNew(records, counter), store.putNew(records.slice(10), counter)]);
      expect((await state.get(['hour#contract'])).get('hour#contract')?.['n.user']).toBe(30);
    });
  }

  it('stores each event id once, even when two writers race over the same events', async () => {
    const store = await make();
    const records = Array.from({ length: 150 }, (_, i) => read(getSecretValue(`app/tenant-1/s-${i % 7}`, USER, new Date(Date.parse('2024-05-01T10:00:00Z') + i * 1000).toISOString())));
    const [a, b] = await Promise.all([store.putNew(records.slice(0, 100)), store.putNew(records.slice(50))]);
    expect(a.stored.size + b.stored.size).toBe(150);
    expect([...a.stored].filter((id) => b.stored.has(id))).toEqual([]);
    expect((await store.putNew(records)).stored.size).toBe(0);
    expect(await store.query(query({ by: 'principal', value: USER.arn, limit: 1000 }))).toHaveLength(150);
  });

  it('answers by secret, principal and tenant, newest first, within the time range, each record once', async () => {
    const store = await make();
    const batch = read(cloudTrail('BatchGetSecretValue', { eventTime: '2024-05-01T12:00:00Z', requestParameters: { secretIdList: ['app/tenant-1/a', 'app/tenant-1/b', 'app/tenant-2/c'] } }));
    const early = read(getSecretValue('app/tenant-1/a', APP_ROLE, '2024-05-01T09:00:00Z'));
    const late = read(getSecretValue('app/tenant-1/a', USER, '2024-06-01T09:00:00Z'));
    const list = read(cloudTrail('ListSecrets', { eventTime: '2024-05-01T13:00:00Z' }));
    await store.putNew([batch, early, late, list]);
    const ids = async (q: Parameters<typeof query>[0]) => (await store.query(query(q))).map((r) => r.eventId);
    expect(await ids({ by: 'secret', value: 'app/tenant-1/a' })).toEqual([late.eventId, batch.eventId, early.eventId]);
    expect(await ids({ by: 'secret', value: 'app/tenant-1/a', until: '2024-05-31T00:00:00.000Z' })).toEqual([batch.eventId, early.eventId]);
    expect(await ids({ by: 'secret', value: 'app/tenant-1/a', since: '2024-05-01T10:00:00.000Z', until: '2024-05-01T12:00:00.000Z' })).toEqual([batch.eventId]);
    expect(await ids({ by: 'principal', value: APP_ROLE.sessionContext.sessionIssuer.arn })).toEqual([list.eventId, batch.eventId, early.eventId]);
    expect(await ids({ by: 'tenant', value: 'tenant-1' })).toEqual([late.eventId, list.eventId, batch.eventId, early.eventId]);
    expect(await ids({ by: 'tenant', value: 'tenant-2' })).toEqual([batch.eventId]);
    expect(await ids({ by: 'tenant', value: 'tenant-1', limit: 2 })).toEqual([late.eventId, list.eventId]);
    const [stored] = await store.query(query({ by: 'secret', value: 'app/tenant-2/c' }));
    expect(stored).toEqual(batch);
  });
}
