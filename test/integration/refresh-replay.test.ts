import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { drainQueue } from '../../cli/local/sqs-event-source';
import { eventBridge, sqs } from '../../shared/aws/clients';
import { EventBridgeRotationPublisher } from '../../shared/aws/eventbridge-rotation-publisher';
import { rotationEventDetail } from '../../shared/rotation/rotation-event';
import { startKubernetesStandin, type KubernetesStandin } from '../support/kubernetes-standin';
import { templateResource } from '../support/local-aws';
import { createEcsService, ecsDeploymentId } from '../support/refresh-consumers';
import { takeAll } from '../support/local-alert-pipeline';

/**
 * Forged, replayed and slow rotation events against the built refresh bundle: EventBridge, the
 * refresh queue, the rotation ledger table and ECS on the local AWS (moto), the Kubernetes calls
 * against the stand-in (test/support/kubernetes-standin.ts). Each attack asks the target
 * afterwards that nothing changed: the stand-in's requests and objects, the ECS service's
 * deployment.
 */

const sm = new SecretsManagerClient({});
const K8S_SECRET = 'keywarden/ci/kubernetes-connection';
const TOKEN = 'standin-token-Replay456-refresh-sa';
const FUNCTION_ENV: Record<string, string> = {
  KEYWARDEN_STAGE: 'ci',
  KEYWARDEN_FINDINGS_BUS: 'keywarden-ci',
  KEYWARDEN_REFRESH_ECS_SERVICES: 'apps/{tenant}-',
  KEYWARDEN_REFRESH_K8S_NAMESPACES: 'payments',
  KEYWARDEN_REFRESH_K8S_SECRET: K8S_SECRET,
  KEYWARDEN_REFRESH_K8S_CONFIG_TTL_SECONDS: '0',
  KEYWARDEN_REFRESH_TIMEOUT_MS: '5000',
  // Small, so the budget test's invocation can be short; the other tests give the default 60 s.
  KEYWARDEN_REFRESH_RESERVE_MS: '400',
};
beforeAll(() => {
  for (const [name, value] of Object.entries(FUNCTION_ENV)) vi.stubEnv(name, value);
});
afterAll(() => vi.unstubAllEnvs());

let standin: KubernetesStandin;
beforeEach(async () => {
  standin = await startKubernetesStandin();
  standin.grant(TOKEN, [{ resource: 'deployments', namespace: 'payments' }]);
  const text = JSON.stringify({ server: standin.server, token: TOKEN, caCertificate: standin.caCertificate });
  await sm.send(new CreateSecretCommand({ Name: K8S_SECRET, SecretString: text })).catch(() => sm.send(new PutSecretValueCommand({ SecretId: K8S_SECRET, SecretString: text })));
  return () => standin.stop();
});

async function taggedSecret(name: string, tags: Record<string, string>): Promise<{ name: string; arn: string; versionId: string }> {
  const all = { 'keywarden:stage': 'ci', ...tags };
  const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"not-for-consumers-2"}', Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }));
  return { name, arn: out.ARN!, versionId: out.VersionId! };
}

/** Puts a `succeeded` event on the bus as the rotate function does, or as anyone allowed events:PutEvents can. */
async function announce(secret: { name: string; arn: string; versionId: string }, at: string): Promise<void> {
  await new EventBridgeRotationPublisher(eventBridge(), 'keywarden-ci').publish(rotationEventDetail({ outcome: 'succeeded', secret: { name: secret.name, arn: secret.arn }, versionId: secret.versionId, tenant: 'tenant-1', at }));
}

/** The refresh queue drained by the built bundle; the bundle's log lines as well. */
async function drain(): Promise<{ received: number; retried: number; logged: string }> {
  let logged = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged += String(chunk);
    return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const report = await drainQueue({ client: sqs(), queueUrl: templateResource('RefreshQueue'), invoke: (event) => invokeBundle('refresh', event) });
    return { received: report.received, retried: report.retried, logged };
  } finally {
    process.stderr.write = write;
  }
}

async function findings(): Promise<Array<{ ruleId: string; status: string; dedupKey: string }>> {
  const messages = await takeAll(templateResource('AlertQueue'));
  return messages.map((m) => JSON.parse(m.Body!) as { 'detail-type': string; detail: { ruleId: string; status: string; dedupKey: string } }).filter((e) => e['detail-type'] === 'keywarden.finding').map((e) => e.detail);
}

/**
 * Checks that a restartedAt annotation is the version's creation time as Secrets Manager lists it
 * (ListSecretVersionIds), not an event's `at`: moto answers that call with the time of the call
 * rather than of the version (AWS gives the version's), so here it must lie between the secret's
 * creation and the refresh, a whole second either side, and be no event's time.
 */
async function expectStampFromSecret(stamp: string | undefined, window: { from: number; to: number }, eventTimes: string[]): Promise<void> {
  expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const at = Date.parse(stamp!);
  expect(at).toBeGreaterThanOrEqual(Math.floor(window.from / 1000) * 1000 - 1000);
  expect(at).toBeLessThanOrEqual(window.to + 1000);
  for (const time of eventTimes) expect(at).not.toBe(Date.parse(time));
}

const restartedAt = (name: string) =>
  (standin.object('Deployment', 'payments', name)!.spec.template as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
const patchesOf = (name: string) => standin.requests.filter((r) => r.method === 'PATCH' && r.path === `/apis/apps/v1/namespaces/payments/deployments/${name}`).length;

describe('refresh attacks: a rotation event is anyone\'s to put on the bus', () => {
  it('attack: replayed `succeeded` events for the current version, each with a new time, restart the deployment and redeploy the ECS service once', async () => {
    standin.put('Deployment', 'payments', 'api');
    const before = await createEcsService('apps', 'tenant-1-api');
    const from = Date.now();
    const secret = await taggedSecret('app/tenant-1/replayed', { 'keywarden:refresh-deployments': 'payments/api', 'keywarden:refresh-ecs': 'apps/tenant-1-api' });
    await announce(secret, '2026-12-03T10:00:00.000Z');
    expect(await drain()).toMatchObject({ received: 1, retried: 0 });
    const to = Date.now();
    const deployed = await ecsDeploymentId('apps', 'tenant-1-api');
    expect(deployed).not.toBe(before);

    await announce(secret, '2027-01-01T00:00:00.000Z');
    await announce(secret, '2027-02-02T00:00:00.000Z');
    const replayed = await drain();

    expect(replayed).toMatchObject({ received: 2, retried: 0 });
    expect(replayed.logged).toContain('targets already refreshed for this version were left alone');
    expect(patchesOf('api')).toBe(1);
    // The version's creation time from Secrets Manager, not any event's `at`.
    await expectStampFromSecret(restartedAt('api'), { from, to }, ['2026-12-03T10:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-02T00:00:00.000Z']);
    expect(await ecsDeploymentId('apps', 'tenant-1-api')).toBe(deployed);
    expect(await findings()).toEqual([]);
  });

  it('attack: an event put in another account is dropped by the function, and another source is not routed by the rule', async () => {
    standin.put('Deployment', 'payments', 'api');
    const before = await createEcsService('apps', 'tenant-1-api');
    const secret = await taggedSecret('app/tenant-1/foreign', { 'keywarden:refresh-deployments': 'payments/api', 'keywarden:refresh-ecs': 'apps/tenant-1-api' });
    await announce(secret, '2026-12-03T10:00:00.000Z');
    const [queued] = await takeAll(templateResource('RefreshQueue'));
    // The event as EventBridge delivers it from another account (moto's bus leaves `account` out).
    const foreign = JSON.stringify({ ...(JSON.parse(queued!.Body!) as object), account: '999999999999' });

    const out = (await invokeBundle('refresh', { Records: [{ messageId: 'foreign', body: foreign }] } as unknown as SQSEvent)) as SQSBatchResponse;
    expect(out).toEqual({ batchItemFailures: [] });
    await eventBridge().send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'keywarden-ci', Source: 'keywarden.forged', DetailType: 'keywarden.rotation', Detail: JSON.stringify(JSON.parse(queued!.Body!).detail) }] }),
    );
    const depth = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: templateResource('RefreshQueue'), AttributeNames: ['ApproximateNumberOfMessages'] }));

    expect(depth.Attributes!.ApproximateNumberOfMessages).toBe('0');
    expect(standin.requests).toEqual([]);
    expect(restartedAt('api')).toBeUndefined();
    expect(await ecsDeploymentId('apps', 'tenant-1-api')).toBe(before);
  });
});

describe('refresh attacks: replays cannot flood the on-call', () => {
  it('attack: replaying an event whose tag names another tenant\'s service gives one refused finding, and that service is never redeployed', async () => {
    const before = await createEcsService('apps', 'tenant-2-api');
    const secret = await taggedSecret('app/tenant-1/refused', { 'keywarden:refresh-ecs': 'apps/tenant-2-api' });
    for (const at of ['2026-12-03T10:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-02T00:00:00.000Z']) await announce(secret, at);
    await drain();
    await announce(secret, '2027-03-03T00:00:00.000Z');
    await drain();

    expect((await findings()).map((f) => [f.ruleId, f.status])).toEqual([['rotation.refresh-refused', 'open']]);
    expect(await ecsDeploymentId('apps', 'tenant-2-api')).toBe(before);
  });
});

describe('the refresh batch\'s time budget', () => {
  it('a slow API server cannot make the batch outlast the function: unfinished messages come back as batch item failures, and only those are retried', async () => {
    const secrets = [];
    const from = Date.now();
    for (const name of ['alpha', 'beta', 'gamma']) {
      standin.put('Deployment', 'payments', name);
      secrets.push(await taggedSecret(`app/tenant-1/slow-${name}`, { 'keywarden:refresh-deployments': `payments/${name}` }));
    }
    for (const secret of secrets) await announce(secret, '2026-12-03T10:00:00.000Z');
    const records = (await takeAll(templateResource('RefreshQueue'))).map((m, i) => ({ messageId: `m${i}`, body: m.Body! }));
    expect(records).toHaveLength(3);
    const nameOf = (record: { body: string }) => /slow-(alpha|beta|gamma)/.exec(record.body)![1]!;

    standin.answerAfter(1_500);
    const started = Date.now();
    const first = (await invokeBundle('refresh', { Records: records } as unknown as SQSEvent, { timeoutMs: 2_500 })) as SQSBatchResponse;
    expect(Date.now() - started).toBeLessThan(2_500);
    const retried = new Set(first.batchItemFailures.map((f) => f.itemIdentifier));
    expect(retried.size).toBeGreaterThan(0);
    expect(retried.has('m2')).toBe(true);

    standin.answerAfter(0);
    const second = (await invokeBundle('refresh', { Records: records.filter((r) => retried.has(r.messageId)) } as unknown as SQSEvent)) as SQSBatchResponse;
    expect(second).toEqual({ batchItemFailures: [] });
    const to = Date.now();

    for (const record of records) {
      const name = nameOf(record);
      await expectStampFromSecret(restartedAt(name), { from, to }, ['2026-12-03T10:00:00.000Z']);
      // A message finished in the first invocation was not retried: its deployment was patched once.
      if (!retried.has(record.messageId)) expect(patchesOf(name)).toBe(1);
    }
    expect(await findings()).toEqual([]);
  });
});

describe('a refresh that succeeds resolves the target\'s earlier failure', () => {
  it('the same dedup key closes the rotation.refresh-failed finding; a replay after that is silent', async () => {
    standin.put('Deployment', 'payments', 'api');
    const from = Date.now();
    const secret = await taggedSecret('app/tenant-1/flaky', { 'keywarden:refresh-deployments': 'payments/api' });
    standin.failNext(500, 'InternalError');
    await announce(secret, '2026-12-03T10:00:00.000Z');
    await drain();
    const [failed] = await findings();
    expect(failed).toMatchObject({ ruleId: 'rotation.refresh-failed', status: 'open' });
    expect(restartedAt('api')).toBeUndefined();

    // The `revoked` event of the same version, or anyone's replay: the failed target is tried again.
    await announce(secret, '2026-12-03T10:05:00.000Z');
    await drain();
    await expectStampFromSecret(restartedAt('api'), { from, to: Date.now() }, ['2026-12-03T10:00:00.000Z', '2026-12-03T10:05:00.000Z']);
    const [resolved, ...more] = await findings();
    expect(more).toEqual([]);
    expect(resolved).toMatchObject({ ruleId: 'rotation.refresh-failed', status: 'resolved', dedupKey: failed!.dedupKey });

    await announce(secret, '2026-12-03T10:10:00.000Z');
    await drain();
    expect(patchesOf('api')).toBe(2);
    expect(await findings()).toEqual([]);
  });
});
