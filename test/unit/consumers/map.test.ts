import { describe, expect, it } from 'vitest';
import { buildConsumerMap, MAX_CONSUMERS, MAX_NAME_BYTES } from '../../../shared/consumers/map';
import { currentSince } from '../../../shared/consumers/current-since';
import { normalised, readRecord, readsEvery, stageMoveRecord } from '../../support/consumer-trail';

const SECRET = 'multitenant-ai-poc/tenant-1/database-password';
const T0 = new Date('2026-03-01T00:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe('the consumer map', () => {
  it('names each reader by role and session issuer, with its client family, usual interval and last read', () => {
    const records = normalised([
      ...readsEvery(SECRET, 'payments-api', minutes(0), minutes(60), 5),
      ...readsEvery(SECRET, 'eso-operator', minutes(0), minutes(60), 15, { userAgent: 'external-secrets/v0.9.11 aws-sdk-go/1.50' }),
      readRecord(SECRET, 'agent-host', minutes(1), { userAgent: 'aws-secrets-manager-agent/1.1.0' }),
    ]);
    const map = buildConsumerMap(records);
    const byName = Object.fromEntries(map.consumers.map((c) => [c.name, c]));
    expect(byName['payments-api']).toMatchObject({
      key: 'arn:aws:iam::123456789012:role/payments-api',
      sessionIssuer: 'arn:aws:iam::123456789012:role/payments-api',
      type: 'AssumedRole',
      families: ['go-v2'],
      reads: 12,
      intervalSeconds: 300,
      lastRead: minutes(55).toISOString(),
    });
    expect(byName['eso-operator']).toMatchObject({ families: ['external-secrets'], reads: 4, intervalSeconds: 900 });
    expect(byName['agent-host']).toMatchObject({ families: ['secrets-manager-agent'], reads: 1 });
    expect(byName['agent-host']!.intervalSeconds).toBeUndefined();
  });

  it('leaves out denied reads, AWSPENDING reads and the rotation itself', () => {
    const records = normalised([
      readRecord(SECRET, 'intruder', minutes(1), { errorCode: 'AccessDeniedException', errorMessage: 'denied' }),
      readRecord(SECRET, 'keywarden-ci-rotate-us-east-1', minutes(2), { requestParameters: { versionStage: 'AWSPENDING' } }),
      readRecord(SECRET, 'keywarden-ci-rotate-us-east-1', minutes(2)),
      stageMoveRecord(SECRET, 'v2', minutes(3)),
      readRecord(SECRET, 'payments-api', minutes(4)),
    ]);
    const map = buildConsumerMap(records);
    expect(map.consumers.map((c) => c.name)).toEqual(['payments-api']);
    expect(map.rotators).toEqual(['arn:aws:iam::123456789012:role/keywarden-ci-rotate-us-east-1']);
  });

  it('counts reads of the current version since it became AWSCURRENT, not reads of AWSPREVIOUS', () => {
    const records = normalised([
      readRecord(SECRET, 'payments-api', minutes(0)),
      readRecord(SECRET, 'batch-job', minutes(0)),
      stageMoveRecord(SECRET, 'v2', minutes(10)),
      readRecord(SECRET, 'payments-api', minutes(12)),
      readRecord(SECRET, 'batch-job', minutes(12), { requestParameters: { versionStage: 'AWSPREVIOUS' } }),
    ]);
    const since = currentSince(records, 'v2', {});
    expect(since).toEqual({ at: minutes(10).toISOString(), source: 'audit-trail' });
    const map = buildConsumerMap(records, { currentVersionId: 'v2', currentSince: since!.at });
    const byName = Object.fromEntries(map.consumers.map((c) => [c.name, c]));
    expect(byName['payments-api']!.readsSinceCurrent).toBe(1);
    expect(byName['batch-job']!.readsSinceCurrent).toBeUndefined();
  });

  it('attack: a denied UpdateSecretVersionStage naming the current version does not move when it became current', () => {
    const records = normalised([
      stageMoveRecord(SECRET, 'v2', minutes(10)),
      stageMoveRecord(SECRET, 'v2', minutes(50), { errorCode: 'AccessDeniedException', errorMessage: 'denied' }),
    ]);
    expect(currentSince(records, 'v2', {})?.at).toBe(minutes(10).toISOString());
    expect(currentSince(records, 'v3', { lastRotatedDate: minutes(20) })).toEqual({ at: minutes(20).toISOString(), source: 'secrets-manager' });
  });

  it('attack: a 10 KB role name with terminal escapes is bounded in the map, and two such names stay two consumers', () => {
    const long = (c: string) => `role-\u001b[2J${c.repeat(10_000)}`;
    const records = normalised([readRecord(SECRET, long('a'), minutes(0)), readRecord(SECRET, long('a') + 'b', minutes(1))]);
    const map = buildConsumerMap(records);
    expect(map.consumers).toHaveLength(2);
    for (const c of map.consumers) {
      expect(Buffer.byteLength(c.key)).toBeLessThanOrEqual(MAX_NAME_BYTES);
      expect(Buffer.byteLength(c.name!)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    }
    expect(map.consumers[0]!.key).not.toBe(map.consumers[1]!.key);
  });

  it(`attack: a flood of distinct principals is cut at ${MAX_CONSUMERS} consumers, the rest counted`, () => {
    const records = normalised(Array.from({ length: MAX_CONSUMERS + 7 }, (_, i) => readRecord(SECRET, `role-${i}`, minutes(i % 60))));
    const map = buildConsumerMap(records);
    expect(map.consumers).toHaveLength(MAX_CONSUMERS);
    expect(map.omitted).toBe(7);
  });
});
