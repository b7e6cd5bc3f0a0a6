import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../../shared/finding';
import { ACCOUNT, APP_ROLE, ROTATE_ROLE, STALENESS_ROLE, USER, cloudTrail, envelope, getSecretValue, secretArn } from '../../support/cloudtrail-records';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

/** 12 distinct secrets read by one user within a minute: harvesting. */
function harvest(start = '2024-05-01T10:00:00Z', who: object = USER) {
  const base = Date.parse(start);
  return Array.from({ length: 12 }, (_, i) => getSecretValue(`app/tenant-1/secret-${i}`, who, new Date(base + i * 5000).toISOString()));
}

describe('the detection engine', () => {
  it('raises nothing for keywarden\'s own rotate and staleness roles, and still learns from them', async () => {
    const pipeline = memoryPipeline();
    const own = [
      // The staleness function lists and describes every secret.
      cloudTrail('ListSecrets', { userIdentity: STALENESS_ROLE, requestParameters: { maxResults: 100 } }),
      ...Array.from({ length: 30 }, (_, i) => cloudTrail('DescribeSecret', { userIdentity: STALENESS_ROLE, requestParameters: { secretId: `app/tenant-${i % 3}/s-${i}` } })),
      // The rotate function reads many secrets, AWSPREVIOUS and AWSPENDING, and moves AWSCURRENT.
      ...Array.from({ length: 15 }, (_, i) => getSecretValue(`app/tenant-2/s-${i}`, ROTATE_ROLE, '2024-05-01T10:01:00Z', { requestParameters: { secretId: `app/tenant-2/s-${i}`, versionStage: i % 2 ? 'AWSPREVIOUS' : 'AWSPENDING' } })),
      cloudTrail('PutSecretValue', { userIdentity: ROTATE_ROLE, requestParameters: { secretId: 'app/tenant-2/s-1', versionStages: ['AWSPENDING'], secretString: 'HIDDEN_DUE_TO_SECURITY_REASONS' } }),
      cloudTrail('UpdateSecretVersionStage', { userIdentity: ROTATE_ROLE, requestParameters: { secretId: secretArn('app/tenant-2/s-1'), versionStage: 'AWSCURRENT', moveToVersionId: 'v-2', removeFromVersionId: 'v-1' } }),
      ...Array.from({ length: 8 }, (_, i) => getSecretValue(`app/tenant-9/s-${i}`, ROTATE_ROLE, '2024-05-01T10:02:00Z', { errorCode: 'AccessDenied', errorMessage: 'no' })),
    ];
    const result = await pipeline.run(own.map(envelope));
    expect(result).toMatchObject({ stored: own.length, rejected: [], failedIds: [] });
    expect(pipeline.published).toEqual([]);
    // The rotation above retired v-1: someone else reading it now is a finding.
    await pipeline.run([getSecretValue('app/tenant-2/s-1', USER, '2024-05-01T10:05:00Z', { requestParameters: { secretId: 'app/tenant-2/s-1', versionId: 'v-1' } })]);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.previous-version-read']);
  });

  it('stores and counts a redelivered batch once, and raises its finding once', async () => {
    const pipeline = memoryPipeline();
    const events = harvest().map(envelope);
    const first = await pipeline.run(events);
    const again = await pipeline.run(events);
    expect(first).toMatchObject({ stored: 12, duplicates: 0 });
    expect(again).toMatchObject({ stored: 0, duplicates: 12, findings: [] });
    expect(pipeline.store.size).toBe(12);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(pipeline.published[0]!.evidence.distinctSecrets).toBe(12);
  });

  it('attack: one principal reading the same six names in two member accounts reads twelve secrets, not six', async () => {
    const members = ['444455556666', '777788889999'];
    const pipeline = memoryPipeline();
    pipeline.deps.accounts = { home: ACCOUNT, members: new Set(members) };
    const base = Date.parse('2024-05-01T10:00:00Z');
    const events = Array.from({ length: 12 }, (_, i) => {
      const account = members[i < 6 ? 0 : 1]!;
      const secretId = `arn:aws:secretsmanager:us-east-1:${account}:secret:app/tenant-1/secret-${i % 6}-AbCdEf`;
      const record = { ...cloudTrail('GetSecretValue', { userIdentity: USER, eventTime: new Date(base + i * 2500).toISOString(), requestParameters: { secretId } }), recipientAccountId: account };
      return { ...envelope(record), account };
    });
    await pipeline.run(events);
    const harvesting = pipeline.published.filter((f) => f.ruleId === 'audit.secret-harvesting');
    expect(harvesting).toHaveLength(1);
    expect(harvesting[0]!.evidence.distinctSecrets).toBe(12);
  });

  it('a decoy configured by name is a decoy in a member account too', async () => {
    const member = '444455556666';
    const pipeline = memoryPipeline({ KEYWARDEN_DECOY_SECRETS: 'app/decoy/db' });
    pipeline.deps.accounts = { home: ACCOUNT, members: new Set([member]) };
    const secretId = `arn:aws:secretsmanager:us-east-1:${member}:secret:app/decoy/db-AbCdEf`;
    const record = { ...cloudTrail('GetSecretValue', { userIdentity: USER, eventTime: '2024-05-01T10:00:00Z', requestParameters: { secretId } }), recipientAccountId: member };
    await pipeline.run([{ ...envelope(record), account: member }]);
    expect(pipeline.published.map((f) => f.ruleId)).toContain('audit.decoy-touched');
  });

  it('counts an event repeated within one batch once', async () => {
    const pipeline = memoryPipeline();
    const events = harvest().slice(0, 9);
    const result = await pipeline.run([...events, ...events, events[0]!]);
    expect(result).toMatchObject({ stored: 9, duplicates: 10 });
    expect(pipeline.published).toEqual([]);
  });

  it('raises a finding whose publication failed when the batch is retried', async () => {
    const pipeline = memoryPipeline();
    let failures = 1;
    const publish = pipeline.deps.publisher.publish;
    pipeline.deps.publisher = {
      publish: async (findings) => {
        if (failures-- > 0) throw new Error('EventBridge is down');
        await publish(findings);
      },
    };
    const events = harvest();
    const failed = await pipeline.run(events, 'try-1');
    expect(failed.error).toEqual(new Error('EventBridge is down'));
    expect(failed.failedIds).toHaveLength(12);
    expect(pipeline.published).toEqual([]);
    const retried = await pipeline.run(events, 'try-2');
    expect(retried.error).toBeUndefined();
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
  });

  it('gives the same findings for events out of order, and counts a late event in its own window', async () => {
    const inOrder = memoryPipeline();
    const reversed = memoryPipeline();
    const events = [...harvest('2024-05-01T10:00:00Z'), ...harvest('2024-05-01T11:00:00Z', APP_ROLE)];
    await inOrder.run(events);
    await reversed.run([...events].reverse());
    const summary = (p: typeof inOrder) => p.published.map((f) => [f.id, f.evidence.distinctSecrets]).sort();
    expect(summary(reversed)).toEqual(summary(inOrder));
    expect(summary(inOrder)).toHaveLength(2);

    // 9 secrets at 12:00, then (later) one more read that happened at 12:01: the window reaches 10.
    const late = memoryPipeline();
    const nine = harvest('2024-05-01T12:00:00Z').slice(0, 9);
    await late.run(nine);
    await late.run([harvest('2024-05-01T13:00:00Z')[9]!]);
    expect(late.published).toEqual([]);
    await late.run([getSecretValue('app/tenant-1/secret-late', USER, '2024-05-01T12:01:00Z')]);
    expect(late.published.map((f) => [f.ruleId, f.evidence.windowStart, f.evidence.distinctSecrets])).toEqual([['audit.secret-harvesting', '2024-05-01T12:00:00.000Z', 10]]);
  });

  it('raises one finding per principal and window for a burst spread over many batches', async () => {
    const pipeline = memoryPipeline();
    const base = Date.parse('2024-05-01T10:00:00Z');
    for (let batch = 0; batch < 6; batch += 1) {
      await pipeline.run(Array.from({ length: 5 }, (_, i) => getSecretValue(`app/tenant-1/secret-${batch * 5 + i}`, USER, new Date(base + (batch * 5 + i) * 1000).toISOString())));
    }
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
  });

  it('counts two batches processed at once exactly, and raises their finding once', async () => {
    const pipeline = memoryPipeline();
    const events = harvest();
    // Overlapping halves, in flight together: every await interleaves them.
    const [a, b] = await Promise.all([pipeline.run(events.slice(0, 8), 'a'), pipeline.run(events.slice(4), 'b')]);
    expect(a.stored + b.stored).toBe(12);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    const again = await pipeline.run([getSecretValue('app/tenant-1/secret-0', USER, '2024-05-01T10:02:00Z')]);
    expect(again.findings).toEqual([]);
  });

  it('writes a handful of state items for 1,000 events from 50 principals, not one per event', async () => {
    const pipeline = memoryPipeline();
    const principals = Array.from({ length: 50 }, (_, p) => ({ ...USER, arn: `arn:aws:iam::111122223333:user/app-${p}`, userName: `app-${p}` }));
    const batch = (minute: number) =>
      Array.from({ length: 1000 }, (_, i) => getSecretValue(`app/tenant-1/secret-${i % 3}`, principals[i % 50]!, new Date(Date.parse('2024-05-01T10:00:00Z') + minute * 60_000 + i * 10).toISOString()));
    await pipeline.run(batch(0));
    const afterFirst = pipeline.state.writes;
    await pipeline.run(batch(1));
    const steady = pipeline.state.writes - afterFirst;
    // One hour-counter item per shard (2); the window sets did not change; no new pairs.
    expect(steady).toBeLessThanOrEqual(4);
    expect(pipeline.published).toEqual([]);
  });

  it('switches detectors off by name', async () => {
    const pipeline = memoryPipeline({ KEYWARDEN_DISABLED_DETECTORS: 'secret-harvesting' });
    await pipeline.run(harvest());
    expect(pipeline.published).toEqual([]);
  });

  it('raises findings of the pipeline\'s one type: principal ARN, secrets, evidence, dedup key, runbook', async () => {
    const pipeline = memoryPipeline();
    await pipeline.run([getSecretValue('multitenant-ai-poc/tenant-2/database-password', APP_ROLE, '2024-05-01T10:00:00Z', { requestParameters: { secretId: 'multitenant-ai-poc/tenant-2/database-password', versionStage: 'AWSPREVIOUS' } })]);
    const byRule = Object.fromEntries(pipeline.published.map((f) => [f.ruleId, parseFinding(f)]));
    expect(Object.keys(byRule).sort()).toEqual(['audit.cross-tenant-read', 'audit.previous-version-read']);
    expect(byRule['audit.previous-version-read']).toMatchObject({
      severity: 'high',
      status: 'open',
      source: 'audit',
      secret: { name: 'multitenant-ai-poc/tenant-2/database-password' },
      tenant: 'tenant-2',
      principal: { arn: 'arn:aws:iam::111122223333:role/multitenant-ai-poc-tenant-1-role', type: 'AssumedRole', tenant: 'tenant-1' },
      evidence: { asked: { versionStage: 'AWSPREVIOUS' }, secrets: ['multitenant-ai-poc/tenant-2/database-password'], sessionArn: APP_ROLE.arn, sourceIp: '10.1.2.3' },
      observedAt: '2024-05-01T10:00:00.000Z',
    });
    expect(byRule['audit.cross-tenant-read']!.dedupKey).toMatch(/^audit\.cross-tenant-read:[0-9a-f]{24}$/);
  });
});
