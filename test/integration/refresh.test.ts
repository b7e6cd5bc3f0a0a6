import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { drainQueue } from '../../cli/local/sqs-event-source';
import { eventBridge, sqs } from '../../shared/aws/clients';
import { rotationLedgerOn } from '../../shared/aws/dynamodb-rotation-ledger';
import { EventBridgeRotationPublisher } from '../../shared/aws/eventbridge-rotation-publisher';
import { REVOKE_GRANT_TTL_SECONDS, rotationLedgerTableName } from '../../shared/rotation/ledger';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { playRotation } from '../../shared/rotation/driver';
import { rotationEventDetail, type RotationOutcome } from '../../shared/rotation/rotation-event';
import { SECRET_VERSION_VARIABLE } from '../../shared/refresh/actions/lambda-config-version';
import { startKubernetesStandin, type KubernetesStandin } from '../support/kubernetes-standin';
import { templateResource } from '../support/local-aws';
import { createEcsService, createLambdaFunction, ecsDeploymentId, lambdaVariables, lambdaVersions } from '../support/refresh-consumers';
import { takeAll } from '../support/local-alert-pipeline';

/**
 * The refresh path through the built bundles on the local AWS: the rotate bundle's
 * `keywarden.rotation` event → the template's rule → the refresh queue → the refresh bundle →
 * ECS and Lambda on moto, and the Kubernetes calls against the stand-in (test/support/
 * kubernetes-standin.ts; never a real cluster). Findings are read where the template sends them,
 * the alert queue.
 */

const sm = new SecretsManagerClient({});
const K8S_SECRET = 'keywarden/ci/kubernetes-connection';
const TOKEN = 'standin-token-Abc123-refresh-sa';

// The bundle reads its environment once per process (a warm instance); the Kubernetes connection
// is read on every call (TTL 0), since each test's stand-in listens on a new port.
const FUNCTION_ENV: Record<string, string> = {
  KEYWARDEN_STAGE: 'ci',
  KEYWARDEN_FINDINGS_BUS: 'keywarden-ci',
  KEYWARDEN_REFRESH_ECS_SERVICES: 'apps/{tenant}-',
  // keywarden-ci- is an administrator's mistake: keywarden's own functions stay refused anyway.
  KEYWARDEN_REFRESH_LAMBDA_PREFIXES: 'team-{tenant}-,keywarden-ci-',
  KEYWARDEN_REFRESH_K8S_NAMESPACES: 'payments,{tenant}',
  KEYWARDEN_REFRESH_K8S_SECRET: K8S_SECRET,
  KEYWARDEN_REFRESH_K8S_CONFIG_TTL_SECONDS: '0',
  KEYWARDEN_REFRESH_LAMBDA_WAIT_SECONDS: '5',
  KEYWARDEN_REFRESH_TIMEOUT_MS: '5000',
};
beforeAll(() => {
  for (const [name, value] of Object.entries(FUNCTION_ENV)) vi.stubEnv(name, value);
});
afterAll(() => vi.unstubAllEnvs());

let standin: KubernetesStandin;
beforeEach(async () => {
  standin = await startKubernetesStandin();
  standin.grant(TOKEN, [
    { resource: 'externalsecrets', namespace: 'payments' },
    { resource: 'deployments', namespace: 'payments' },
    { resource: 'deployments', namespace: 'tenant-1' },
  ]);
  await connection({ server: standin.server, token: TOKEN, caCertificate: standin.caCertificate });
  return () => standin.stop();
});

/** Writes the Kubernetes connection secret, as an administrator does. */
async function connection(value: Record<string, string>): Promise<void> {
  const text = JSON.stringify(value);
  await sm.send(new CreateSecretCommand({ Name: K8S_SECRET, SecretString: text })).catch(() => sm.send(new PutSecretValueCommand({ SecretId: K8S_SECRET, SecretString: text })));
}

/** A secret with the refresh tags; its ARN and current version. */
async function taggedSecret(name: string, tags: Record<string, string>, extra: Record<string, string> = {}): Promise<{ arn: string; versionId: string }> {
  const all = { 'keywarden:stage': 'ci', ...extra, ...tags };
  const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ password: 'not-for-consumers-1' }), Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }));
  return { arn: out.ARN!, versionId: out.VersionId! };
}

/** Puts a rotation event on the bus exactly as the rotate function does. */
async function announce(name: string, secret: { arn: string; versionId: string }, outcome: RotationOutcome = 'succeeded', at = '2026-12-03T10:00:00.000Z'): Promise<void> {
  await new EventBridgeRotationPublisher(eventBridge(), 'keywarden-ci').publish(rotationEventDetail({ outcome, secret: { name, arn: secret.arn }, versionId: secret.versionId, tenant: 'tenant-1', at }));
}

/** Plays the refresh queue's event source mapping with the built bundle until the queue is empty. */
async function drain() {
  return drainQueue({ client: sqs(), queueUrl: templateResource('RefreshQueue'), invoke: (event) => invokeBundle('refresh', event) });
}

interface FindingEvent {
  ruleId: string;
  status: string;
  title: string;
  tenant?: string;
  secret?: { name?: string };
  evidence: Record<string, unknown>;
}

/** The findings on the alert queue (where the template's rule sends every finding). */
async function findings(): Promise<FindingEvent[]> {
  const messages = await takeAll(templateResource('AlertQueue'));
  return messages.map((m) => JSON.parse(m.Body!) as { 'detail-type': string; detail: FindingEvent }).filter((e) => e['detail-type'] === 'keywarden.finding').map((e) => e.detail);
}

async function depth(queueLogicalId: string): Promise<number> {
  const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: templateResource(queueLogicalId), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
}

/**
 * The annotations carry the version's creation time from ListSecretVersionIds, never the event's
 * `at`; moto answers that call with the time of the call, so the stamp is checked to lie between
 * the secret's creation and the refresh (to the second), and not to be the event's time.
 */
function expectStampFromSecret(stamp: string | undefined, from: number): void {
  const at = Date.parse(stamp ?? '');
  expect(at).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000 - 1000);
  expect(at).toBeLessThanOrEqual(Date.now() + 1000);
  expect(at).not.toBe(Date.parse('2026-12-03T10:00:00.000Z'));
}

async function currentVersion(name: string): Promise<string | undefined> {
  const out = await sm.send(new DescribeSecretCommand({ SecretId: name }));
  return Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

describe('keywarden.rotation events from the rotate bundle', () => {
  it('a finished rotation puts `succeeded` on the bus (name, ARN, version, tenant, strategy; no value) and the rule queues it for refresh', async () => {
    const name = 'app/tenant-1/events';
    const { arn } = await taggedSecret(name, {}, { 'keywarden:strategy': 'password' });
    // Secrets Manager names the secret by ARN when it invokes the rotation function.
    const report = await playRotation(arn, { start: rotateSecretStarter(sm, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    expect(report).toMatchObject({ ok: true });

    const queued = await takeAll(templateResource('RefreshQueue'));
    expect(queued).toHaveLength(1);
    const event = JSON.parse(queued[0]!.Body!) as { source: string; 'detail-type': string; resources: string[]; detail: Record<string, unknown> };
    expect(event).toMatchObject({ source: 'keywarden', 'detail-type': 'keywarden.rotation' });
    expect(event.detail).toMatchObject({ version: 1, outcome: 'succeeded', secret: { name, arn }, versionId: await currentVersion(name), tenant: 'tenant-1', strategy: 'password' });
    expect(event.resources).toEqual([arn]);
    expect(queued[0]!.Body).not.toContain('not-for-consumers-1');
  });

  it('a failed step puts `failed` on the bus (step, error class), which the documented rule example receives and the refresh rule does not', async () => {
    // The README's example rule: every keywarden.rotation event to a queue of your own.
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: 'team-rotation-events' }));
    const arn = (await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await eventBridge().send(new PutRuleCommand({ Name: 'team-rotations', EventBusName: 'keywarden-ci', EventPattern: JSON.stringify({ source: ['keywarden'], 'detail-type': ['keywarden.rotation'] }) }));
    await eventBridge().send(new PutTargetsCommand({ Rule: 'team-rotations', EventBusName: 'keywarden-ci', Targets: [{ Id: 'q', Arn: arn }] }));
    const name = 'app/tenant-1/no-such-strategy';
    await taggedSecret(name, {}, { 'keywarden:strategy': 'no-such-strategy' });

    const report = await playRotation(name, { start: rotateSecretStarter(sm, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    expect(report).toMatchObject({ ok: false });
    const seen = (await takeAll(QueueUrl!)).map((m) => (JSON.parse(m.Body!) as { detail: Record<string, unknown> }).detail);
    expect(seen).toEqual([expect.objectContaining({ outcome: 'failed', step: 'createSecret', error: 'UnknownStrategyError', secret: expect.objectContaining({ name }) })]);
    expect(await depth('RefreshQueue')).toBe(0);
  });
  it('an emergency revocation puts `revoked` on the bus with the version now AWSCURRENT, and the refresh rule takes it', async () => {
    const name = 'app/tenant-1/keyset';
    const { arn } = await taggedSecret(name, {}, { 'keywarden:strategy': 'jwt-keyset' });
    const rotated = await playRotation(arn, { start: rotateSecretStarter(sm, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    expect(rotated).toMatchObject({ ok: true });
    await takeAll(templateResource('RefreshQueue'));
    // What the emergency function does before it asks the rotate function to revoke.
    await rotationLedgerOn(rotationLedgerTableName('ci')).grantRevoke(arn, rotated.token, 'test-emergency', REVOKE_GRANT_TTL_SECONDS);
    const revoked = (await invokeBundle('rotate', { Action: 'revokePrevious', SecretId: arn, ClientRequestToken: rotated.token })) as { revoked: boolean; replacementVersionId?: string };
    expect(revoked.revoked).toBe(true);

    const queued = (await takeAll(templateResource('RefreshQueue'))).map((m) => (JSON.parse(m.Body!) as { detail: Record<string, unknown> }).detail);
    expect(queued).toEqual([expect.objectContaining({ outcome: 'revoked', versionId: await currentVersion(name), strategy: 'jwt-keyset', tenant: 'tenant-1' })]);
    expect(revoked.replacementVersionId ?? rotated.token).toBe(await currentVersion(name));
  });
});

describe('refresh actions through the built refresh bundle', () => {
  it('External Secrets force-sync: a merge patch of the force-sync annotation, with the bearer token, on the ExternalSecret', async () => {
    standin.put('ExternalSecret', 'payments', 'billing-db');
    const from = Date.now();
    const secret = await taggedSecret('app/tenant-1/eso', { 'keywarden:refresh-eso': 'payments/billing-db' });
    await announce('app/tenant-1/eso', secret);
    const drained = await drain();

    expect(drained).toMatchObject({ received: 1, deleted: 1, retried: 0 });
    const annotations = standin.object('ExternalSecret', 'payments', 'billing-db')?.metadata.annotations;
    expect(Object.keys(annotations ?? {})).toEqual(['force-sync']);
    expectStampFromSecret(annotations!['force-sync'], from);
    expect(standin.requests).toEqual([
      expect.objectContaining({ method: 'PATCH', path: '/apis/external-secrets.io/v1beta1/namespaces/payments/externalsecrets/billing-db', contentType: 'application/merge-patch+json', authorization: 'valid', status: 200 }),
    ]);
    expect(await findings()).toEqual([]);
  });

  it('rollout restart: every named deployment gets a new restartedAt (the version\'s creation time) on its pod template; a redelivery patches nothing', async () => {
    standin.put('Deployment', 'payments', 'api');
    standin.put('Deployment', 'tenant-1', 'worker');
    const from = Date.now();
    const secret = await taggedSecret('app/tenant-1/deploys', { 'keywarden:refresh-deployments': 'payments/api tenant-1/worker' });
    await announce('app/tenant-1/deploys', secret);
    await announce('app/tenant-1/deploys', secret);
    await drain();

    for (const [ns, name] of [['payments', 'api'], ['tenant-1', 'worker']] as const) {
      const template = (standin.object('Deployment', ns, name)!.spec.template as { metadata: { annotations: Record<string, string>; labels: Record<string, string> } }).metadata;
      expect(template).toEqual({ labels: { app: name }, annotations: { 'kubectl.kubernetes.io/restartedAt': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) } });
      expectStampFromSecret(template.annotations['kubectl.kubernetes.io/restartedAt'], from);
    }
    expect(standin.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['PATCH /apis/apps/v1/namespaces/payments/deployments/api 200', 'PATCH /apis/apps/v1/namespaces/tenant-1/deployments/worker 200']);
    expect(await findings()).toEqual([]);
  });

  it('ECS: UpdateService with forceNewDeployment gives the allow-listed service a new deployment', async () => {
    const before = await createEcsService('apps', 'tenant-1-api');
    const secret = await taggedSecret('app/tenant-1/ecs', { 'keywarden:refresh-ecs': 'apps/tenant-1-api' });
    await announce('app/tenant-1/ecs', secret);
    await drain();

    expect(await ecsDeploymentId('apps', 'tenant-1-api')).not.toBe(before);
    expect(await findings()).toEqual([]);
  });

  it('Lambda: the function gets KEYWARDEN_SECRET_VERSION beside its own variables and a new published version; a redelivery publishes nothing more', async () => {
    await createLambdaFunction('team-tenant-1-worker', { QUEUE_URL: 'https://sqs.example/q', MODE: 'live' });
    const secret = await taggedSecret('app/tenant-1/fn', { 'keywarden:refresh-lambda': 'team-tenant-1-worker' });
    await announce('app/tenant-1/fn', secret);
    await drain();

    expect(await lambdaVariables('team-tenant-1-worker')).toEqual({ QUEUE_URL: 'https://sqs.example/q', MODE: 'live', [SECRET_VERSION_VARIABLE]: secret.versionId });
    expect(await lambdaVersions('team-tenant-1-worker')).toEqual(['1']);
    await announce('app/tenant-1/fn', secret);
    await drain();
    expect(await lambdaVersions('team-tenant-1-worker')).toEqual(['1']);
    expect(await findings()).toEqual([]);
  });
});

describe('a refresh that fails is a finding and never fails the rotation', () => {
  it.each([
    ['401 (a token the API server does not know)', async (): Promise<void> => connection({ server: standin.server, token: 'revoked-token-xyz-123', caCertificate: standin.caCertificate }), 401],
    ['403 (RBAC does not let the token patch there)', async (): Promise<void> => undefined, 403],
    ['404 (no such ExternalSecret)', async (): Promise<void> => undefined, 404],
    ['409 (a conflicting update)', async (): Promise<void> => standin.failNext(409, 'Conflict'), 409],
  ] as const)('the stand-in answering %s gives rotation.refresh-failed with the status; the message is not retried', async (_label, arrange, status) => {
    // 403: the token may patch ExternalSecrets in payments only, and this one is in tenant-1.
    const target = status === 403 ? 'tenant-1/billing-db' : 'payments/billing-db';
    if (status !== 404) standin.put('ExternalSecret', target.split('/')[0]!, 'billing-db');
    await arrange();
    const name = `app/tenant-1/fails-${status}`;
    const secret = await taggedSecret(name, { 'keywarden:refresh-eso': target });
    await announce(name, secret);
    const drained = await drain();

    expect(drained).toMatchObject({ received: 1, deleted: 1, retried: 0 });
    expect(standin.requests.map((r) => r.status)).toEqual([status]);
    const [finding, ...others] = await findings();
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'rotation.refresh-failed', status: 'open', tenant: 'tenant-1', secret: { name }, evidence: { action: 'eso-force-sync', target, httpStatus: status, versionId: secret.versionId } });
    expect(JSON.stringify(finding)).not.toContain(TOKEN);
    expect(JSON.stringify(finding)).not.toContain('revoked-token-xyz-123');
    expect(await currentVersion(name)).toBe(secret.versionId);
    expect(await depth('RefreshDeadLetterQueue')).toBe(0);
  });

  it('an ECS service and a Lambda function that do not exist each give a finding; the other targets still run', async () => {
    standin.put('Deployment', 'payments', 'api');
    const name = 'app/tenant-1/missing';
    const secret = await taggedSecret(name, { 'keywarden:refresh-ecs': 'apps/tenant-1-gone', 'keywarden:refresh-lambda': 'team-tenant-1-gone', 'keywarden:refresh-deployments': 'payments/api' });
    await announce(name, secret);
    await drain();

    const seen = await findings();
    expect(seen.map((f) => [f.ruleId, f.evidence.action, f.evidence.target]).sort()).toEqual([
      ['rotation.refresh-failed', 'ecs-new-deployment', 'apps/tenant-1-gone'],
      ['rotation.refresh-failed', 'lambda-config-version', 'team-tenant-1-gone'],
    ]);
    expect(standin.requests.map((r) => r.status)).toEqual([200]);
  });
});

describe('refresh attacks: tags are attacker text', () => {
  it('attack: a tag naming another tenant\'s ECS service is refused with a finding, and that service is not redeployed', async () => {
    const before = await createEcsService('apps', 'tenant-2-api');
    const secret = await taggedSecret('app/tenant-1/ecs-attack', { 'keywarden:refresh-ecs': 'apps/tenant-2-api' });
    await announce('app/tenant-1/ecs-attack', secret);
    await drain();

    expect(await ecsDeploymentId('apps', 'tenant-2-api')).toBe(before);
    expect(await findings()).toEqual([expect.objectContaining({ ruleId: 'rotation.refresh-refused', evidence: expect.objectContaining({ action: 'ecs-new-deployment', target: 'apps/tenant-2-api' }) })]);
  });

  it('attack: a tag naming keywarden\'s own function is refused even when a prefix would allow it; its configuration is unchanged', async () => {
    await createLambdaFunction('keywarden-ci-alert', { KEYWARDEN_STAGE: 'ci' });
    const secret = await taggedSecret('app/tenant-1/own-fn', { 'keywarden:refresh-lambda': 'keywarden-ci-alert' });
    await announce('app/tenant-1/own-fn', secret);
    await drain();

    expect(await lambdaVariables('keywarden-ci-alert')).toEqual({ KEYWARDEN_STAGE: 'ci' });
    expect(await lambdaVersions('keywarden-ci-alert')).toEqual([]);
    expect(await findings()).toEqual([expect.objectContaining({ ruleId: 'rotation.refresh-refused', evidence: expect.objectContaining({ reason: 'keywarden-ci-alert is one of keywarden\'s own functions' }) })]);
  });

  it('attack: a function ARN of another account, and another tenant\'s function, are refused before any Lambda call', async () => {
    await createLambdaFunction('team-tenant-2-worker', { MODE: 'live' });
    const secret = await taggedSecret('app/tenant-1/fn-attack', { 'keywarden:refresh-lambda': 'arn:aws:lambda:us-east-1:999999999999:function:team-tenant-1-x team-tenant-2-worker' });
    await announce('app/tenant-1/fn-attack', secret);
    await drain();

    expect(await lambdaVariables('team-tenant-2-worker')).toEqual({ MODE: 'live' });
    expect((await findings()).map((f) => [f.ruleId, f.evidence.target])).toEqual([
      ['rotation.refresh-refused', 'arn:aws:lambda:us-east-1:999999999999:function:team-tenant-1-x'],
      ['rotation.refresh-refused', 'team-tenant-2-worker'],
    ]);
  });

  it.each([
    ['a path in the name', 'payments/../../api/v1/namespaces/kube-system/secrets/x'],
    ['an encoded slash', 'payments/api%2F..%2Fsecrets'],
    ['an upper-case name', 'payments/API'],
    ['a namespace outside the allow-list', 'kube-system/coredns'],
    ['another tenant\'s namespace', 'tenant-2/worker'],
  ])('attack: %s never reaches the API server; a finding says so', async (_label, value) => {
    standin.put('Deployment', 'kube-system', 'coredns');
    standin.put('Deployment', 'tenant-2', 'worker');
    const secret = await taggedSecret('app/tenant-1/k8s-attack', { 'keywarden:refresh-deployments': value });
    await announce('app/tenant-1/k8s-attack', secret);
    await drain();

    expect(standin.requests).toEqual([]);
    expect(standin.object('Deployment', 'kube-system', 'coredns')!.spec.template).not.toHaveProperty('metadata.annotations');
    expect(await findings()).toEqual([expect.objectContaining({ ruleId: 'rotation.refresh-refused', evidence: expect.objectContaining({ action: 'k8s-rollout-restart' }) })]);
  });

  it('attack: a tag naming more than ten deployments (a restart storm) is refused whole', async () => {
    standin.put('Deployment', 'payments', 'api');
    const many = Array.from({ length: 11 }, (_, i) => `payments/api-${i}`).join(' ');
    const secret = await taggedSecret('app/tenant-1/storm', { 'keywarden:refresh-deployments': many });
    await announce('app/tenant-1/storm', secret);
    await drain();

    expect(standin.requests).toEqual([]);
    expect(await findings()).toEqual([expect.objectContaining({ ruleId: 'rotation.refresh-refused', evidence: expect.objectContaining({ reason: 'names 11 targets; at most 10' }) })]);
  });

  it('attack: an API server certificate from another CA is not trusted: the token is never sent', async () => {
    standin.put('Deployment', 'payments', 'api');
    await connection({ server: standin.server, token: TOKEN, caCertificate: (await import('node:fs')).readFileSync(standin.certs.wrongCaFile, 'utf8') });
    const secret = await taggedSecret('app/tenant-1/wrong-ca', { 'keywarden:refresh-deployments': 'payments/api' });
    await announce('app/tenant-1/wrong-ca', secret);
    await drain();

    expect(standin.requests).toEqual([]);
    expect(await findings()).toEqual([expect.objectContaining({ ruleId: 'rotation.refresh-failed', evidence: expect.objectContaining({ target: 'payments/api' }) })]);
  });

  it('attack: a connection secret naming an http:// server is refused: the token never leaves in the clear', async () => {
    const seen: string[] = [];
    const plain = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      await connection({ server: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`, token: TOKEN, caCertificate: standin.caCertificate });
      const secret = await taggedSecret('app/tenant-1/plain', { 'keywarden:refresh-eso': 'payments/billing-db' });
      await announce('app/tenant-1/plain', secret);
      await drain();
    } finally {
      plain.close();
    }
    expect(seen).toEqual([]);
    const [finding] = await findings();
    expect(finding).toMatchObject({ ruleId: 'rotation.refresh-failed' });
    expect(String(finding!.evidence.error)).toContain('must be https://');
  });

  it('attack: a forged event for a version that is not AWSCURRENT refreshes nothing', async () => {
    const before = await createEcsService('apps', 'tenant-1-api');
    const secret = await taggedSecret('app/tenant-1/forged', { 'keywarden:refresh-ecs': 'apps/tenant-1-api' });
    await announce('app/tenant-1/forged', { arn: secret.arn, versionId: '11111111-2222-3333-4444-555555555555' });
    const drained = await drain();

    expect(drained).toMatchObject({ received: 1, deleted: 1 });
    expect(await ecsDeploymentId('apps', 'tenant-1-api')).toBe(before);
    expect(await findings()).toEqual([]);
  });

  it('attack: a `failed` event put on the bus by hand is not taken by the refresh rule', async () => {
    const secret = await taggedSecret('app/tenant-1/failed', { 'keywarden:refresh-ecs': 'apps/tenant-1-api' });
    await announce('app/tenant-1/failed', secret, 'failed');
    expect(await depth('RefreshQueue')).toBe(0);
  });
});
