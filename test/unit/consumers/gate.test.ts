import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import type { AuditQuery } from '../../../shared/audit/store';
import { fixedClock } from '../../../shared/clock';
import { checkConsumersBeforeInvalidating } from '../../../shared/consumers/gate';
import { MAX_NAMED, WOULD_BREAK_RULE } from '../../../shared/consumers/finding';
import { DEFAULT_CONSUMER_SETTINGS, policyOf, UNREFRESHED_TAG, type UnrefreshedPolicy } from '../../../shared/consumers/settings';
import { ConsumersHeldError } from '../../../shared/errors';
import type { SecretMetadata } from '../../../shared/secrets-store';
import { normalised, readRecord, readsEvery, rotateSecretRecord, stageMoveRecord } from '../../support/consumer-trail';

const SECRET = 'multitenant-ai-poc/tenant-1/orders-db';
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`;
const CHANGE = new Date('2026-03-01T00:00:00Z');
const at = (minutes: number) => new Date(CHANGE.getTime() + minutes * 60_000);

function metadata(tags: Record<string, string> = {}): SecretMetadata {
  return { arn: ARN, name: SECRET, rotationEnabled: true, versions: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'], v3: ['AWSPENDING'] }, tags };
}

/** A trail: payments-api and batch-job read every 10 minutes before the change; only payments-api after. */
async function trail(extra: unknown[] = []) {
  const store = new MemoryAuditStore();
  await store.putNew(
    normalised([
      ...readsEvery(SECRET, 'payments-api', at(-120), at(0), 10),
      ...readsEvery(SECRET, 'batch-job', at(-120), at(0), 10),
      stageMoveRecord(SECRET, 'v2', at(0)),
      readRecord(SECRET, 'payments-api', at(5)),
      ...extra,
    ]),
  );
  const queries: AuditQuery[] = [];
  return {
    audit: { putNew: store.putNew.bind(store), query: (q: AuditQuery) => (queries.push(q), store.query(q)) },
    queries,
  };
}

async function gate(policy: UnrefreshedPolicy | undefined, now: Date, extra: unknown[] = [], tags: Record<string, string> = {}) {
  const { audit, queries } = await trail(extra);
  const published: Finding[] = [];
  const settings = { ...DEFAULT_CONSUMER_SETTINGS, ...(policy && { policy }) };
  const run = () => checkConsumersBeforeInvalidating(metadata(tags), 'v3', { audit, publish: async (f) => void published.push(...f), settings, clock: fixedClock(now) });
  return { run, published, queries };
}

describe('the check before an alternating-users rotation', () => {
  it('hold: refuses before any change, with a finding naming who would break (and not who refreshed)', async () => {
    const { run, published } = await gate('hold', at(60));
    await expect(run()).rejects.toBeInstanceOf(ConsumersHeldError);
    expect(published).toHaveLength(1);
    const [finding] = published;
    expect(finding).toMatchObject({ ruleId: WOULD_BREAK_RULE, status: 'open', severity: 'medium', evidence: { decision: 'held', policy: 'hold', policySource: 'stage', more: 0 } });
    expect((finding!.evidence.consumers as Array<{ principal: string }>).map((c) => c.principal)).toEqual(['arn:aws:iam::123456789012:role/batch-job']);
  });

  it('hold: the message names counts and the secret, never a consumer', async () => {
    const { run } = await gate('hold', at(60));
    const error = await run().catch((e: Error) => e);
    expect(String(error)).toContain('1 consumer(s)');
    expect(String(error)).not.toContain('batch-job');
  });

  it('warn: publishes the finding and lets the rotation go on', async () => {
    const { run, published } = await gate('warn', at(60));
    await expect(run()).resolves.toEqual({ decision: 'warned', policy: 'warn', atRisk: 1 });
    expect(published[0]).toMatchObject({ severity: 'high', evidence: { decision: 'warned' } });
  });

  it('proceed: goes on without reading the audit trail', async () => {
    const { run, published, queries } = await gate('proceed', at(60));
    await expect(run()).resolves.toEqual({ decision: 'proceed', policy: 'proceed', atRisk: 0 });
    expect(published).toEqual([]);
    expect(queries).toEqual([]);
  });

  it('the tag sets the policy for its secret over the stage default', async () => {
    const { run, published } = await gate('warn', at(60), [], { [UNREFRESHED_TAG]: 'hold' });
    await expect(run()).rejects.toBeInstanceOf(ConsumersHeldError);
    expect(published[0]!.evidence).toMatchObject({ policy: 'hold', policySource: 'tag' });
  });

  it('proceeds with nothing published when every consumer has read the current version', async () => {
    const { run, published } = await gate('hold', at(60), [readRecord(SECRET, 'batch-job', at(30))]);
    await expect(run()).resolves.toMatchObject({ decision: 'proceed' });
    expect(published).toEqual([]);
  });

  it('attack: a principal that read once and stopped holds the rotation at most maxHoldHours from its first attempt', async () => {
    const attempt = rotateSecretRecord(SECRET, at(60));
    const { run, published } = await gate('hold', at(60 + 25 * 60), [attempt]);
    await expect(run()).resolves.toMatchObject({ decision: 'hold-expired', atRisk: 1 });
    expect(published[0]).toMatchObject({ severity: 'high', evidence: { decision: 'hold-expired' } });
  });

  it('attack: a flood of denied reads that pushes the first attempt out of the newest records does not hold the rotation past maxHoldHours', async () => {
    const attempt = rotateSecretRecord(SECRET, at(60));
    const flood = readsEvery(SECRET, 'flooder', at(70), at(70 + 1_010), 0.1, { errorCode: 'AccessDenied' });
    const { run } = await gate('hold', at(25 * 60), [attempt, ...flood]);
    const outcome = await run();
    expect(['proceed', 'hold-expired']).toContain(outcome.decision);
  });

  it('attack: reading AWSPREVIOUS after the change does not count as refreshed', async () => {
    const { run } = await gate('hold', at(60), [readRecord(SECRET, 'batch-job', at(30), { requestParameters: { versionStage: 'AWSPREVIOUS' } })]);
    await expect(run()).rejects.toBeInstanceOf(ConsumersHeldError);
  });

  it('attack: a tag that names no policy is ignored for the stage default, and the finding says so', async () => {
    expect(policyOf({ [UNREFRESHED_TAG]: 'proceed\u202e' }, 'hold')).toEqual({ policy: 'hold', source: 'stage', ignoredTag: true });
    const { run, published } = await gate('hold', at(60), [], { [UNREFRESHED_TAG]: 'off' });
    await expect(run()).rejects.toBeInstanceOf(ConsumersHeldError);
    expect(published[0]!.evidence.policySource).toMatch(/ignored/);
  });

  it(`attack: a thousand unrefreshed principals are named ${MAX_NAMED} at most, the rest counted`, async () => {
    const many = Array.from({ length: 1000 }, (_, i) => readRecord(SECRET, `tenant-role-${i}`, at(-5)));
    const { run, published } = await gate('warn', at(60), many);
    await run();
    expect(published[0]!.evidence.consumers).toHaveLength(MAX_NAMED);
    expect(published[0]!.evidence.more).toBe(1001 - MAX_NAMED);
    expect(JSON.stringify(published[0]).length).toBeLessThan(20_000);
  });
});
