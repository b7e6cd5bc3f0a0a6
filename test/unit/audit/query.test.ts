import { describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import { normaliseCloudTrail } from '../../../shared/audit/normalise';
import { buildAuditQuery, queryAuditTrail, timeFrom } from '../../../shared/audit/query';
import type { AuditRecord } from '../../../shared/audit/record';
import { auditIndexEntries } from '../../../shared/audit/store';
import { fixedClock } from '../../../shared/clock';
import { InvalidRequestError } from '../../../shared/errors';
import { ACCOUNT, APP_ROLE, USER, cloudTrail, getSecretValue } from '../../support/cloudtrail-records';

const clock = fixedClock('2024-05-08T10:00:00Z');
const read = (raw: Record<string, unknown>): AuditRecord => {
  const result = normaliseCloudTrail(raw);
  if (result.kind !== 'record') throw new Error(result.reason);
  return result.record;
};

describe('buildAuditQuery', () => {
  it('takes relative and absolute times', () => {
    expect(buildAuditQuery({ secret: 's', since: '7d' }, clock)).toEqual({ by: 'secret', value: 's', since: '2024-05-01T10:00:00.000Z', until: '2024-05-08T10:00:00.000Z', limit: 100 });
    expect(buildAuditQuery({ tenant: 'tenant-1', since: '2024-05-08T00:00:00Z', until: '90m', limit: 5 }, clock)).toMatchObject({ since: '2024-05-08T00:00:00.000Z', until: '2024-05-08T08:30:00.000Z', limit: 5 });
    expect(timeFrom('2w', new Date('2024-05-15T00:00:00Z'), '--since').toISOString()).toBe('2024-05-01T00:00:00.000Z');
  });

  it('reduces a secret ARN to its name and a role session to its role', () => {
    expect(buildAuditQuery({ secret: 'arn:aws:secretsmanager:r:1:secret:app/tenant-1/db-AbC123', since: '1d' }, clock).value).toBe('app/tenant-1/db');
    expect(buildAuditQuery({ principal: APP_ROLE.arn, since: '1d' }, clock).value).toBe(`arn:aws:iam::${ACCOUNT}:role/multitenant-ai-poc-tenant-1-role`);
  });

  it.each([
    [{ since: '7d' }, 'give exactly one of --secret, --principal, --tenant'],
    [{ secret: 'a', tenant: 'b', since: '7d' }, 'give exactly one of --secret, --principal, --tenant'],
    [{ secret: 'a', since: 'last week' }, '--since takes a duration such as 7d, 12h, 30m or an ISO time, not "last week"'],
    [{ secret: 'a', since: '1d', until: '2d' }, '--since is after --until'],
    [{ secret: 'a', since: '1d', limit: 0 }, '--limit takes 1 to 10000, not 0'],
  ])('refuses %j', (request, message) => {
    expect(() => buildAuditQuery(request, clock)).toThrow(new InvalidRequestError(message));
  });
});

describe('the memory audit store', () => {
  it('stores an event id once and answers by secret, principal and tenant, newest first, within the range', async () => {
    const store = new MemoryAuditStore();
    const first = read(getSecretValue('app/tenant-1/db', APP_ROLE, '2024-05-07T10:00:00Z'));
    const second = read(getSecretValue('app/tenant-2/db', APP_ROLE, '2024-05-08T09:00:00Z'));
    const old = read(getSecretValue('app/tenant-1/db', USER, '2024-04-01T10:00:00Z'));
    const list = read(cloudTrail('ListSecrets', { eventTime: '2024-05-08T09:30:00Z' }));
    expect([...(await store.putNew([first, second, old, list])).stored]).toEqual([first.eventId, second.eventId, old.eventId, list.eventId]);
    expect((await store.putNew([first])).stored.size).toBe(0);

    const query = (request: Parameters<typeof buildAuditQuery>[0]) => queryAuditTrail(store, buildAuditQuery(request, clock));
    expect((await query({ secret: 'app/tenant-1/db', since: '7d' })).map((r) => r.eventId)).toEqual([first.eventId]);
    expect((await query({ secret: 'app/tenant-1/db', since: '60d' })).map((r) => r.eventId)).toEqual([first.eventId, old.eventId]);
    expect((await query({ principal: APP_ROLE.arn, since: '7d' })).map((r) => r.eventId)).toEqual([list.eventId, second.eventId, first.eventId]);
    // A tenant sees reads of its secrets, and its principals' calls that name no tenant's secret.
    expect((await query({ tenant: 'tenant-1', since: '7d' })).map((r) => r.eventId)).toEqual([list.eventId, first.eventId]);
    expect((await query({ tenant: 'tenant-2', since: '7d' })).map((r) => r.eventId)).toEqual([second.eventId]);
    expect((await query({ principal: APP_ROLE.arn, since: '7d', limit: 1 })).map((r) => r.eventId)).toEqual([list.eventId]);
  });

  it('indexes a record under each secret it names', () => {
    const batch = read(cloudTrail('BatchGetSecretValue', { requestParameters: { secretIdList: ['app/tenant-1/a', 'app/tenant-2/b', 'shared-thing'] } }));
    expect(auditIndexEntries(batch)).toEqual({ secrets: ['app/tenant-1/a', 'app/tenant-2/b', 'shared-thing'], principal: batch.principal.key, tenants: ['tenant-1', 'tenant-2'] });
  });
});
