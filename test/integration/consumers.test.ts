import { GetSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/finding';
import { dynamoDb } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { UNREFRESHED_RULE, WOULD_BREAK_RULE } from '../../shared/consumers/finding';
import { DEFAULT_CONSUMER_SETTINGS, UNREFRESHED_TAG } from '../../shared/consumers/settings';
import { consumerReport } from '../../shared/consumers/view';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { createSecret, resume, rotate, sm, valueAt } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { readRecord, readsEvery, stageMoveRecord } from '../support/consumer-trail';
import { runKeywarden } from '../support/run-cli';
import { localAwsEnv } from '../support/local-aws';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { applyAuditFunctionEnv, putCloudTrailEvents, runAuditQueue, subscribeToFindings } from '../support/local-audit-pipeline';
import { runScan, stalenessEnv } from '../support/local-staleness-scan';

// Consumers end to end through the built bundles on the local AWS: reads replayed as CloudTrail
// through the audit bundle fill the audit table; the staleness bundle's hourly check and the
// rotate bundle's check before an alternating-users rotation read it back; a real PostgreSQL
// says whether the previous credential still logs in.

let cluster: PostgresCluster;
let admin: pg.Client;
const roles: string[] = [];
const MINUTE = 60_000;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await cluster?.stop();
});

beforeEach(() => {
  applyAuditFunctionEnv();
  stalenessEnv({});
  delete process.env.KEYWARDEN_CONSUMERS_UNREFRESHED;
});

afterEach(async () => {
  for (const name of roles.splice(0).reverse()) {
    await admin.query(`DROP OWNED BY ${name}`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${name}`).catch(() => undefined);
  }
});

const logsIn = async (user: { username: string; password: string }) => {
  const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: user.username, password: user.password, database: 'postgres' });
  return client.connect().then(() => client.end().then(() => true), () => false);
};

/** An alternating-users PostgreSQL secret, rotated once (so the clone is current); its name and that rotation's version. */
async function rotatedDatabaseSecret(tags: Record<string, string> = {}) {
  const s = uniqueSuffix();
  const user = `kw_consumers_app_${s}`;
  const owner = `kw_consumers_owner_${s}`;
  const master = `kw_consumers_master_${s}`;
  roles.push(owner, user, `${user}_clone`, master);
  // The shared-owner model of the PostgreSQL rotation tests: the master administers the owner role.
  await admin.query(`CREATE ROLE ${owner} NOLOGIN`);
  await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'Initial-pw-${s}-A1!'`);
  await admin.query(`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'Master-pw-${s}-B2!'`);
  await admin.query(`GRANT ${owner} TO ${user}`);
  await admin.query(`GRANT ${owner} TO ${master} WITH ADMIN OPTION`);
  await admin.query(`GRANT pg_signal_backend TO ${master}`);
  const masterArn = await createSecret(`kw-consumers/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
  const name = `multitenant-ai-poc/tenant-1/orders-db-${s}`;
  await createSecret(name, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: user, password: `Initial-pw-${s}-A1!`, dbname: 'postgres', masterarn: masterArn }, tags);
  const first = await rotate(name);
  expect(first.ok).toBe(true);
  return { name, version: first.token, previous: { username: user, password: `Initial-pw-${s}-A1!` } };
}

/**
 * The trail CloudTrail would deliver: payments-api and batch-job read every 10 minutes for two
 * hours, the rotation made `version` current 40 minutes ago, and payments-api read it since.
 */
async function replayTrail(name: string, version: string, extra: Array<Record<string, unknown>> = [], changeMinutesAgo = 40) {
  const now = Date.now();
  const change = new Date(now - changeMinutesAgo * MINUTE);
  await putCloudTrailEvents([
    ...readsEvery(name, 'payments-api', new Date(change.getTime() - 120 * MINUTE), change, 10),
    ...readsEvery(name, 'batch-job', new Date(change.getTime() - 120 * MINUTE), change, 10, { userAgent: 'external-secrets/v0.9.11 aws-sdk-go/1.50' }),
    stageMoveRecord(name, version, change),
    readRecord(name, 'payments-api', new Date(now - 30 * MINUTE)),
    ...extra,
  ]);
  expect((await runAuditQueue()).responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
  return change;
}

const wouldBreak = (findings: Finding[]) => findings.filter((f) => f.ruleId === WOULD_BREAK_RULE);
const namedIn = (finding: Finding | undefined) => ((finding?.evidence.consumers ?? []) as Array<{ name: string }>).map((c) => c.name);

describe('the consumer map from replayed reads', () => {
  it('lists each reader with its family, interval and last read, and who has read since the rotation', async () => {
    const { name, version } = await rotatedDatabaseSecret();
    await replayTrail(name, version);
    const metadata = await new SecretsManagerStore(sm).describe(name);
    const report = await consumerReport(new DynamoDbAuditStore(dynamoDb(), 'keywarden-ci-audit', 365), metadata, new Date(), 7, DEFAULT_CONSUMER_SETTINGS);
    expect(report.currentSince?.source).toBe('audit-trail');
    const states = Object.fromEntries(report.consumers.map((c) => [c.consumer.name, [c.state, c.consumer.families[0], c.consumer.intervalSeconds]]));
    expect(states).toEqual({ 'payments-api': ['refreshed', 'go-v2', 600], 'batch-job': ['behind', 'external-secrets', 600] });
    // The rotate function's role moved the label: the rotation itself, not a consumer.
    expect(report.rotators).toEqual(['arn:aws:iam::123456789012:role/keywarden-ci-rotate-us-east-1']);

    const { stdout, code } = await runKeywarden(['consumers', name, '--json'], { ...process.env, ...localAwsEnv(), KEYWARDEN_STAGE: 'ci' });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; state: string });
    expect(lines.map((l) => [l.name, l.state]).sort()).toEqual([['batch-job', 'behind'], ['payments-api', 'refreshed']]);
  });
});

describe('freshness after a rotation, in the hourly staleness scan', () => {
  it('opens a finding naming the consumer that did not re-read, and resolves it once it has', async () => {
    const { name, version } = await rotatedDatabaseSecret();
    await replayTrail(name, version);
    const findings = await subscribeToFindings();

    const first = await runScan(new Date());
    expect(first.consumers).toMatchObject({ behind: 1, opened: 1 });
    const opened = (await findings()).filter((f) => f.ruleId === UNREFRESHED_RULE);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ status: 'open', secret: { name } });
    expect(namedIn(opened[0])).toEqual(['batch-job']);

    // batch-job picks up the current version (as a refresh action would make it).
    await putCloudTrailEvents([readRecord(name, 'batch-job', new Date(Date.now() - MINUTE))]);
    await runAuditQueue();
    const second = await runScan(new Date());
    expect(second.consumers).toMatchObject({ behind: 0, resolved: 1 });
    const resolved = (await findings()).filter((f) => f.ruleId === UNREFRESHED_RULE);
    expect(resolved).toMatchObject([{ status: 'resolved', dedupKey: opened[0]!.dedupKey }]);
  });
});

describe('the next alternating-users rotation consults the map', () => {
  it('hold (tag): createSecret fails before any change, a finding names who would break, and the previous user still logs in', async () => {
    const { name, version, previous } = await rotatedDatabaseSecret({ [UNREFRESHED_TAG]: 'hold' });
    await replayTrail(name, version);
    const findings = await subscribeToFindings();
    const before = await valueAt(name);

    const held = await rotate(name);
    expect(held).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(held.steps.at(-1)!.error).toContain('ConsumersHeldError');
    // Nothing changed: AWSCURRENT is the same, the held version holds no value, the previous user logs in.
    expect(await valueAt(name)).toEqual(before);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: held.token }))).rejects.toThrow();
    expect(await logsIn(previous)).toBe(true);
    const [finding] = wouldBreak(await findings());
    expect(finding).toMatchObject({ status: 'open', evidence: { decision: 'held', policy: 'hold', policySource: 'tag' } });
    expect(namedIn(finding)).toEqual(['batch-job']);

    // batch-job reads the current version; Secrets Manager's next attempt of the same rotation
    // (RotateSecret refuses a new one while it is pending) proceeds, and the previous user's password changes.
    await putCloudTrailEvents([readRecord(name, 'batch-job', new Date(Date.now() - MINUTE))]);
    await runAuditQueue();
    await resume(name, held.token, 'createSecret');
    expect((await valueAt(name)).username).toBe(previous.username);
    expect(await logsIn(previous)).toBe(false);
    expect(wouldBreak(await findings())).toEqual([]);
  });

  it('warn (the stage default): the rotation goes on, with a finding naming who will break', async () => {
    const { name, version, previous } = await rotatedDatabaseSecret();
    await replayTrail(name, version);
    const findings = await subscribeToFindings();
    expect((await rotate(name)).ok).toBe(true);
    expect(await logsIn(previous)).toBe(false);
    const [finding] = wouldBreak(await findings());
    expect(finding).toMatchObject({ severity: 'high', evidence: { decision: 'warned', policySource: 'stage' } });
    expect(namedIn(finding)).toEqual(['batch-job']);
  });

  it('proceed (tag): the rotation goes on and nothing is published', async () => {
    const { name, version, previous } = await rotatedDatabaseSecret();
    await sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: UNREFRESHED_TAG, Value: 'proceed' }] }));
    await replayTrail(name, version);
    const findings = await subscribeToFindings();
    expect((await rotate(name)).ok).toBe(true);
    expect(await logsIn(previous)).toBe(false);
    expect(wouldBreak(await findings())).toEqual([]);
  });

  it('attack: a principal that read once and never again cannot hold the rotation past its limit', async () => {
    process.env.KEYWARDEN_CONSUMERS_UNREFRESHED = 'hold';
    const { name, version } = await rotatedDatabaseSecret();
    // The version became current 26 hours ago and the first held attempt of the next rotation
    // (RotateSecret in the trail) was 25 hours ago: the 24-hour hold is over.
    const attempt = { ...readRecord(name, 'oncall', new Date(Date.now() - 25 * 60 * MINUTE)), eventName: 'RotateSecret', readOnly: false };
    await replayTrail(name, version, [attempt], 26 * 60);
    const findings = await subscribeToFindings();
    expect((await rotate(name)).ok).toBe(true);
    expect(wouldBreak(await findings())[0]).toMatchObject({ evidence: { decision: 'hold-expired' } });
  });
});

describe('the emergency page lists who will break', () => {
  it('proceeds whatever the policy (hold here) and names every consumer of the window that has not read the new version', async () => {
    const { name, version, previous } = await rotatedDatabaseSecret({ [UNREFRESHED_TAG]: 'hold' });
    await replayTrail(name, version);
    const findings = await subscribeToFindings();
    const report = await invokeEmergency({ secretId: name, requestId: `inc-${uniqueSuffix()}`, reason: 'password in a public paste', requestedBy: 'oncall@example.com' }, { kind: 'local', stage: 'ci' });
    expect(report.secrets[0]!.ok, JSON.stringify(report.secrets[0]?.steps)).toBe(true);
    expect(report.secrets[0]!.willBreak!.count).toBe(2);
    expect(report.secrets[0]!.willBreak!.consumers.map((c) => c.name).sort()).toEqual(['batch-job', 'payments-api']);
    expect(await logsIn(previous)).toBe(false);
    const published = await findings();
    const page = published.find((f) => f.ruleId === 'emergency.rotation');
    expect((page!.evidence.willBreak as { count: number }).count).toBe(2);
    expect(wouldBreak(published)).toEqual([]);
  });
});
