import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { DEFAULT_TENANCY } from '../../../shared/tenancy';
import type { RefreshActions } from '../../../shared/refresh/action';
import { processRefreshBatch } from '../../../shared/refresh/process-batch';
import type { RefreshDeps } from '../../../shared/refresh/refresh';
import type { SecretMetadata } from '../../../shared/secrets-store';
import { MemoryRefreshRecords } from '../../support/memory-refresh-records';

const sample = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'events', 'refresh', 'sqs-rotation-succeeded.json'), 'utf8')) as SQSEvent;
const NAME = 'multitenant-ai-poc/tenant-1/reporter-api-key';
const VERSION = '9a057915-b8c9-440f-aafe-b63d40336021';

/** The use case with its collaborators recorded: what ran, what was published, what was logged. */
function harness(metadata: Partial<SecretMetadata>, options: { publishFails?: boolean; actionMs?: number } = {}) {
  const ran: string[] = [];
  const published: Finding[] = [];
  const warned: string[] = [];
  const stamps: string[] = [];
  const action = (name: string) => ({
    name,
    run: async (target: object, ctx: { rotatedAt: string; signal: AbortSignal }) => {
      if (options.actionMs) await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, options.actionMs);
        ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason as Error)), { once: true });
      });
      ran.push(`${name} ${JSON.stringify(target)}`);
      stamps.push(ctx.rotatedAt);
      return 'done';
    },
  });
  const records = new MemoryRefreshRecords();
  const deps: RefreshDeps = {
    store: { describe: async (id) => ({ arn: id, name: NAME, rotationEnabled: true, versions: { [VERSION]: ['AWSCURRENT'] }, tags: {}, ...metadata }) },
    versionCreatedAt: async (_secret, versionId) => (versionId === VERSION ? CREATED : undefined),
    records,
    callTimeoutMs: 1_000,
    actions: { 'eso-force-sync': action('eso'), 'k8s-rollout-restart': action('restart'), 'ecs-new-deployment': action('ecs'), 'lambda-config-version': action('lambda') } as unknown as RefreshActions,
    allowList: { ecsServices: [], lambdaPrefixes: ['team-{tenant}-'], k8sNamespaces: [], ownFunctionPrefix: 'keywarden-' },
    tenancy: DEFAULT_TENANCY,
    findings: { publish: async (f) => (options.publishFails ? Promise.reject(new Error('bus down')) : void published.push(...f)) },
    clock: { now: () => new Date('2026-12-03T10:00:01Z') },
    log: { info: () => undefined, warn: (message) => void warned.push(message) },
  };
  return { deps, ran, published, warned, stamps, records };
}

const CREATED = new Date('2026-12-03T09:59:58.000Z');
const ACCOUNT = '123456789012';
/** Time enough for every message, and the sample event's account. */
const plenty = { remainingMs: () => 60_000, reserveMs: 1_000, account: ACCOUNT };

const records = (event: SQSEvent) => event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));

describe('the refresh queue\'s batch (events/refresh/sqs-rotation-succeeded.json)', () => {
  it('runs the tagged action for the sample event', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    expect(await processRefreshBatch(records(sample), h.deps, plenty)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toEqual(['lambda {"action":"lambda-config-version","functionName":"team-tenant-1-reporter"}']);
  });

  it('retries the message when the findings cannot be published (nothing is lost)', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-2-reporter' } }, { publishFails: true });
    expect(await processRefreshBatch(records(sample), h.deps, plenty)).toEqual({ batchItemFailures: [{ itemIdentifier: sample.Records[0]!.messageId }] });
  });

  it('attack: a message that is not a rotation event is dropped with a log line, not retried forever', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    const forged = [{ messageId: 'm1', body: '{"source":"keywarden","detail-type":"keywarden.rotation","detail":{"outcome":"succeeded"}}' }, { messageId: 'm2', body: 'not json' }];
    expect(await processRefreshBatch(forged, h.deps, plenty)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toEqual([]);
    expect(h.warned).toEqual(['dropped a message that is not a rotation event', 'dropped a message that is not a rotation event']);
  });

  it('attack: the event\'s tenant is not believed: the tenant comes from the secret\'s name', async () => {
    const body = sample.Records[0]!.body.replace('"tenant":"tenant-1"', '"tenant":"tenant-2"');
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-2-reporter' } });
    await processRefreshBatch([{ messageId: 'm', body }], h.deps, plenty);
    expect(h.ran).toEqual([]);
    expect(h.published.map((f) => [f.ruleId, f.tenant])).toEqual([['rotation.refresh-refused', 'tenant-1']]);
  });

  it('attack: a replayed event with a new time refreshes nothing again, and the action is stamped with the version\'s creation time, not the event\'s', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    const replay = sample.Records[0]!.body.replace('"at":"2026-12-03T10:00:00.000Z"', '"at":"2031-01-01T00:00:00.000Z"');
    await processRefreshBatch(records(sample), h.deps, plenty);
    await processRefreshBatch([{ messageId: 'r1', body: replay }, { messageId: 'r2', body: replay }], h.deps, plenty);
    expect(h.ran).toHaveLength(1);
    expect(h.stamps).toEqual([CREATED.toISOString()]);
    expect(h.published).toEqual([]);
  });

  it('attack: an event put in another account, or by another source, is dropped and refreshes nothing', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    const body = sample.Records[0]!.body;
    const forged = [
      { messageId: 'other-account', body: body.replace('"account":"123456789012"', '"account":"999999999999"') },
      { messageId: 'other-source', body: body.replace('"source":"keywarden"', '"source":"keywarden.forged"') },
      { messageId: 'other-type', body: body.replace('"detail-type":"keywarden.rotation"', '"detail-type":"keywarden.finding"') },
    ];
    expect(await processRefreshBatch(forged, h.deps, plenty)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toEqual([]);
    expect(h.warned).toEqual(Array(3).fill('dropped a message that is not a rotation event'));
  });

  it('a refresh that took effect but could not be recorded is done, not failed: no refresh-failed finding, the claim is not released', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    h.records.finish = async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    expect(await processRefreshBatch(records(sample), h.deps, plenty)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toHaveLength(1);
    expect(h.published).toEqual([]);
    expect(h.warned).toEqual([expect.stringContaining('could not be recorded done')]);
    // The claim stands until it lapses: an immediate redelivery does not deploy again.
    await processRefreshBatch(records(sample), h.deps, plenty);
    expect(h.ran).toHaveLength(1);
  });

  it('hands back the messages the time budget does not reach, and the one it cut short; only those are retried', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } }, { actionMs: 200 });
    const deadline = Date.now() + 300;
    const budget = { remainingMs: () => Math.max(0, deadline - Date.now()), reserveMs: 50, account: ACCOUNT };
    const other = (n: number) => sample.Records[0]!.body.replaceAll('reporter-api-key', `reporter-api-key-${n}`);
    const started = Date.now();
    const out = await processRefreshBatch([{ messageId: 'm1', body: sample.Records[0]!.body }, { messageId: 'm2', body: other(2) }, { messageId: 'm3', body: other(3) }], h.deps, budget);
    expect(Date.now() - started).toBeLessThan(300);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
    expect(h.ran).toHaveLength(1);
    // The cut-short target was released, not recorded as done: its retry runs it.
    expect([...h.records.items.values()].map((item) => item.state)).toEqual(['done']);
    expect(h.published).toEqual([]);
  });

  it('a refresh that succeeds after a failure resolves the failure\'s finding (same dedup key); a replay after that sends nothing', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    const lambda = h.deps.actions['lambda-config-version'];
    const works = lambda.run;
    lambda.run = async () => Promise.reject(new Error('ResourceConflictException: an update is in progress'));
    await processRefreshBatch(records(sample), h.deps, plenty);
    lambda.run = works;
    await processRefreshBatch(records(sample), h.deps, plenty);
    await processRefreshBatch(records(sample), h.deps, plenty);
    expect(h.published.map((f) => [f.ruleId, f.status])).toEqual([['rotation.refresh-failed', 'open'], ['rotation.refresh-failed', 'resolved']]);
    expect(h.published[1]!.dedupKey).toBe(h.published[0]!.dedupKey);
    expect(h.ran).toHaveLength(1);
  });

  it('a refused target is reported once per version, however often the event comes', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-2-reporter' } });
    for (let i = 0; i < 3; i += 1) await processRefreshBatch(records(sample), h.deps, plenty);
    expect(h.published.map((f) => f.ruleId)).toEqual(['rotation.refresh-refused']);
  });
});
