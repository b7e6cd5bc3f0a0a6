import { describe, expect, it } from 'vitest';
import type { AuditStore, PutOutcome } from '../../../shared/audit/store';
import { detectionConfigFromEnv } from '../../../shared/detection/config';
import { detectors as registry } from '../../../shared/detection/detectors';
import type { RecordDetector } from '../../../shared/detection/detector';
import { hourStartMs, shardOf, shortHash, stateKeys } from '../../../shared/detection/keys';
import { ACCOUNT, USER, cloudTrail, getSecretValue, secretArn } from '../../support/cloudtrail-records';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

const harvest = (n: number, from = 0) => Array.from({ length: n }, (_, i) => getSecretValue(`app/tenant-1/s-${from + i}`, USER, `2024-05-01T10:00:${String(from + i).padStart(2, '0')}Z`));

async function hourlyReads(pipeline: ReturnType<typeof memoryPipeline>, principalKey: string): Promise<number> {
  const hash = shortHash(principalKey);
  const key = stateKeys.hour(hourStartMs(Date.parse('2024-05-01T10:00:00Z')), shardOf(hash, 2));
  return ((await pipeline.state.get([key])).get(key)?.[`n.${hash}`] as number | undefined) ?? 0;
}

describe('hostile CloudTrail records through the audit pipeline (memory)', () => {
  it('attack: forty denied DeleteSecret calls on made-up names -> one low finding for the principal and window, counting forty', async () => {
    const pipeline = memoryPipeline();
    const denied = Array.from({ length: 40 }, (_, i) =>
      cloudTrail('DeleteSecret', { userIdentity: USER, eventTime: `2024-05-01T10:01:${String(i).padStart(2, '0')}Z`, errorCode: 'AccessDenied', requestParameters: { secretId: `made-up-${i}`, forceDeleteWithoutRecovery: true } }),
    );
    const result = await pipeline.run([...denied, ...harvest(10)]);
    expect(result.rejected).toEqual([]);
    const deletions = pipeline.published.filter((f) => f.ruleId === 'audit.secret-deletion');
    expect(deletions.map((f) => [f.severity, f.evidence.occurrences, f.evidence.succeeded])).toEqual([['low', 40, false]]);
    expect((deletions[0]!.evidence.secrets as string[]).length).toBe(20);
    // The rest of the batch is judged as usual.
    expect(pipeline.published.map((f) => f.ruleId)).toContain('audit.secret-harvesting');
    // An allowed forced deletion still pages, critical.
    await pipeline.run([cloudTrail('DeleteSecret', { userIdentity: USER, requestParameters: { secretId: secretArn('app/tenant-1/db'), forceDeleteWithoutRecovery: true } })]);
    expect(pipeline.published.filter((f) => f.ruleId === 'audit.secret-deletion').map((f) => f.severity)).toEqual(['low', 'critical']);
  });

  it('attack: a record the audit table refuses for good -> dead-lettered alone with the reason; the rest stored, counted and judged', async () => {
    const pipeline = memoryPipeline();
    const poison = getSecretValue('app/tenant-1/poison', USER, '2024-05-01T10:00:59Z');
    const store = pipeline.deps.store;
    const refusing: AuditStore = {
      query: (q) => store.query(q),
      putNew: async (records, counter): Promise<PutOutcome> => {
        const outcome = await store.putNew(records.filter((r) => r.eventId !== poison.eventID), counter);
        return { stored: outcome.stored, refused: new Map([[String(poison.eventID), 'the audit table refused the record: ValidationException']]) };
      },
    };
    pipeline.deps.store = refusing;
    const result = await pipeline.run([...harvest(10), poison]);
    expect(result.failedIds).toEqual([]);
    expect(pipeline.deadLettered.map((r) => [r.id, r.reason])).toEqual([['batch-1-10', 'the audit table refused the record: ValidationException']]);
    expect(result.stored).toBe(10);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(await hourlyReads(pipeline, USER.arn)).toBe(10);
  });

  it('attack: a record that makes a detector throw -> dead-lettered alone with the detector named; the others still judged', async () => {
    const fragile: RecordDetector = {
      kind: 'record',
      name: 'fragile',
      title: 'fragile',
      severity: 'low',
      description: 'throws on one secret',
      runbook: 'none',
      inspect: (record) => {
        if (record.secrets[0]?.name === 'app/tenant-1/s-3') throw new TypeError('boom');
        return undefined;
      },
    };
    const pipeline = memoryPipeline({}, { detectors: [...registry, fragile] });
    const result = await pipeline.run(harvest(10));
    expect(result.failedIds).toEqual([]);
    expect(pipeline.deadLettered.map((r) => r.reason)).toEqual(['detector fragile failed on the record (TypeError)']);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
  });

  it('attack: a batch redelivered after it failed past the store -> each read counted once, the harvest at its threshold raised once', async () => {
    const pipeline = memoryPipeline();
    const first = harvest(6);
    const state = pipeline.deps.state;
    // The detector state fails once after the store has written (and counted) the batch.
    let failures = 1;
    pipeline.deps.state = new Proxy(state, {
      get: (target, name, receiver) => (name === 'get' && failures-- > 0 ? async () => Promise.reject(new Error('throttled')) : Reflect.get(target, name, receiver)),
    });
    const failed = await pipeline.run(first, 'a');
    expect(failed.failedIds).toHaveLength(6);
    // SQS redelivers the failed messages, Lambda retries the whole batch once more, then the rest arrives.
    await pipeline.run(first, 'a');
    await pipeline.run(first, 'a');
    await pipeline.run([...harvest(4, 6), first[0]!], 'b');
    expect(await hourlyReads(pipeline, USER.arn)).toBe(10);
    expect(pipeline.published.map((f) => [f.ruleId, f.evidence.distinctSecrets])).toEqual([['audit.secret-harvesting', 10]]);
  });

  it('attack: roles named like keywarden\'s rotate role in another account, or an IAM user of that name -> not exempt', () => {
    const config = detectionConfigFromEnv({ KEYWARDEN_STAGE: 'ci', KEYWARDEN_ACCOUNT_ID: ACCOUNT });
    expect(config.rotationRoles).toEqual([`arn:aws:iam::${ACCOUNT}:role/keywarden-ci-rotate-*`]);
    expect(() => detectionConfigFromEnv({ KEYWARDEN_OWN_ROLES: 'keywarden-ci-rotate-*' })).toThrow(/KEYWARDEN_OWN_ROLES takes full IAM role ARNs/);
    expect(() => detectionConfigFromEnv({ KEYWARDEN_ROTATION_ROLES: 'arn:aws:iam::*:role/keywarden-ci-rotate-x' })).toThrow(/full IAM role ARNs/);
    // Without the account, nothing is exempt: more findings, never fewer.
    expect(detectionConfigFromEnv({ KEYWARDEN_STAGE: 'ci' }).ownRoles).toEqual([]);
  });
});
