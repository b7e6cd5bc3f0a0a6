import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { playRotation } from '../../shared/rotation/driver';
import { invokeBundle } from '../../cli/bundles';
import type { EmergencyReport } from '../../shared/emergency/report';
import { applyAuditFunctionEnv, putCloudTrailEvents, runAuditQueue, subscribeToFindings } from '../support/local-audit-pipeline';
import { captureOutput } from '../support/capture-output';

// The emergency runbook end to end through the built bundles: the emergency function invoked
// through Lambda's Invoke (a local endpoint runs the bundles), which stages the rotation, invokes
// the rotate function for each step and for the revocation, reads the audit table that the
// audit bundle filled from replayed CloudTrail events, and puts its finding on the keywarden bus.
const sm = new SecretsManagerClient({});
const SECRET = 'multitenant-ai-poc/tenant-1/signing-keys';
const API_KEY = 'multitenant-ai-poc/tenant-1/partner-api-key';
const FOREIGN = 'multitenant-ai-poc/tenant-2/partner-api-key';

async function createSecret(name: string, strategy: string, tags: Record<string, string> = {}): Promise<void> {
  const all = { 'keywarden:strategy': strategy, 'keywarden:stage': 'ci', ...tags };
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: '{"owner":"payments"}', Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }));
  const report = await playRotation(name, { start: rotateSecretStarter(sm, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
  expect(report.ok).toBe(true);
}

function getSecretValueRecord(eventId: string, principal: string, minutesAgo: number, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:worker',
      arn: `arn:aws:sts::123456789012:assumed-role/${principal}/worker`,
      accountId: '123456789012',
      sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::123456789012:role/${principal}`, accountId: '123456789012', userName: principal } },
    },
    eventTime: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.1.2.3',
    userAgent: 'aws-sdk-js/3',
    requestParameters: { secretId: SECRET },
    responseElements: null,
    eventID: eventId,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
    ...extra,
  };
}

const emergency = (payload: Record<string, unknown>) => invokeEmergency(payload, { kind: 'local', stage: 'ci' });
const base = { reason: 'signing key pasted in a public issue', requestedBy: 'oncall@example.com' };

describe('emergency rotation through the built bundles', () => {
  beforeEach(async () => {
    applyAuditFunctionEnv();
    await createSecret(SECRET, 'jwt-keyset', { 'keywarden:jwt-alg': 'ES256' });
  });

  it('rotates, revokes the leaked key at once, lists the replayed reads, and pages', async () => {
    await putCloudTrailEvents([
      getSecretValueRecord('11111111-0000-4000-8000-000000000001', 'multitenant-ai-poc-tenant-1-role', 90),
      getSecretValueRecord('11111111-0000-4000-8000-000000000002', 'multitenant-ai-poc-tenant-1-role', 30),
      getSecretValueRecord('11111111-0000-4000-8000-000000000003', 'intruder-role', 10, { errorCode: 'AccessDeniedException', errorMessage: 'denied', sourceIPAddress: '203.0.113.50' }),
    ]);
    expect((await runAuditQueue()).delivered).toBe(3);
    const findings = await subscribeToFindings();
    const leaked = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString!).activeKid;

    const report = await emergency({ ...base, secretId: SECRET, requestId: 'inc-1001' });

    expect(report.ok).toBe(true);
    const steps = Object.fromEntries(report.secrets[0]!.steps.map((s) => [s.step, s.outcome]));
    expect(steps).toEqual({ lock: 'done', repair: 'skipped', rotate: 'done', revoke: 'done', 'access-review': 'done', notify: 'done' });
    const current = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString!);
    expect(current.keys.map((k: { kid: string }) => k.kid)).not.toContain(leaked);
    expect(current.owner).toBe('payments');

    const review = report.secrets[0]!.accessReview!;
    expect(review).toMatchObject({ reads: 2, denied: 1 });
    expect(review.principals.map((p) => p.principal).sort()).toEqual([
      'arn:aws:iam::123456789012:role/intruder-role',
      'arn:aws:iam::123456789012:role/multitenant-ai-poc-tenant-1-role',
    ]);

    const paged = (await findings()).filter((f) => f.ruleId === 'emergency.rotation');
    expect(paged).toHaveLength(1);
    expect(paged[0]).toMatchObject({ severity: 'high', secret: { name: SECRET }, tenant: 'tenant-1', evidence: { reason: base.reason, requestId: 'inc-1001' } });
  });

  it('runs the same request id once', async () => {
    const first = await emergency({ ...base, secretId: SECRET, requestId: 'inc-1002' });
    const version = (await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).VersionId;
    const second = await emergency({ ...base, secretId: SECRET, requestId: 'inc-1002' });
    expect(second).toEqual({ ...first, replayed: true });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).VersionId).toBe(version);
  });

  it('rotates once when two requests for the same secret run at once', async () => {
    const reports = await Promise.all([emergency({ ...base, secretId: SECRET, requestId: 'inc-a' }), emergency({ ...base, secretId: SECRET, requestId: 'inc-b' })]);
    const rotated = reports.filter((r) => r.secrets[0]!.steps.some((s) => s.step === 'rotate' && s.outcome === 'done'));
    expect(rotated, JSON.stringify(reports.map((r) => r.secrets[0]!.steps))).toHaveLength(1);
    expect(reports.flatMap((r) => r.secrets[0]!.steps).filter((s) => s.step === 'lock' && s.outcome === 'skipped')).toHaveLength(1);
  });

  it('changes nothing on a dry run', async () => {
    const before = (await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).VersionId;
    const findings = await subscribeToFindings();
    const report = await emergency({ ...base, secretId: SECRET, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, ok: true });
    expect(report.secrets[0]!.steps.filter((s) => s.outcome === 'done').map((s) => s.step)).toEqual(['access-review']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).VersionId).toBe(before);
    expect(await findings()).toEqual([]);
  });

  it('covers every secret of a tenant and leaves other tenants alone', async () => {
    await createSecret(API_KEY, 'api-key');
    await createSecret(FOREIGN, 'api-key');
    const foreignBefore = (await sm.send(new GetSecretValueCommand({ SecretId: FOREIGN }))).VersionId;
    const report: EmergencyReport = await emergency({ ...base, tenant: 'tenant-1' });
    expect(report.ok, JSON.stringify(report.secrets.map((s) => s.steps))).toBe(true);
    expect(report.secrets.map((s) => s.secret).sort()).toEqual([API_KEY, SECRET].sort());
    expect((await sm.send(new GetSecretValueCommand({ SecretId: FOREIGN }))).VersionId).toBe(foreignBefore);
  });

  it('refuses unknown fields, a missing reason and a secret that does not exist, naming the problem', async () => {
    await expect(emergency({ ...base, secretId: SECRET, dryrun: true })).rejects.toThrow(/unknown field\(s\): dryrun/);
    await expect(emergency({ secretId: SECRET, requestedBy: 'x' })).rejects.toThrow(/reason is required/);
    await expect(emergency({ ...base, secretId: 'multitenant-ai-poc/tenant-1/ghost' })).rejects.toThrow(/secret multitenant-ai-poc\/tenant-1\/ghost does not exist/);
  });

  it('prints no key material', async () => {
    const { printed, error } = await captureOutput(() => emergency({ ...base, secretId: SECRET }));
    expect(error).toBeUndefined();
    const current = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString!);
    for (const key of current.keys as Array<{ d: string; x: string }>) expect(printed).not.toContain(key.d);
  });
});
