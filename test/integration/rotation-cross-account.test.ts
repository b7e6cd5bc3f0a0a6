import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import type { Finding } from '../../shared/finding';
import { rotateSecretStarterWithToken } from '../../shared/aws/rotation-requests';
import { ACCOUNT_ROLES_ENV } from '../../shared/rotation/cross-account';
import { playRotation, type RotationEvent } from '../../shared/rotation/driver';
import { ROTATION_STEPS } from '../../shared/rotation/request';
import { ensureRole, HOME, MEMBER, rotationRoleIn, secretsManagerIn, THIRD } from '../support/accounts';
import { drainQueue, subscribeToFindings } from '../support/local-audit-pipeline';

// Rotation of secrets in other accounts through the built rotate bundle, on one local AWS that
// serves three accounts: the function's own (HOME), a member it is configured for (MEMBER), and
// a third it must never act in (THIRD). Each attack asserts the refusal, then asks every account
// that nothing changed.

const home = new SecretsManagerClient({});
const sqs = new SQSClient({});
const bridge = new EventBridgeClient({});
let member: SecretsManagerClient;
let third: SecretsManagerClient;
let findings: () => Promise<Finding[]>;
let run = '';
const roleIn = (account: string) => rotationRoleIn(account, run);
const INITIAL = 'initial-Password-123456';

beforeEach(async () => {
  member = await secretsManagerIn(MEMBER);
  third = await secretsManagerIn(THIRD);
  findings = await subscribeToFindings();
  run = `-${randomUUID().slice(0, 8)}`;
  // Every account's rotation role exists, so a refusal is keywarden's and never the local AWS's.
  for (const account of [HOME, MEMBER, THIRD]) await ensureRole(roleIn(account));
  process.env[ACCOUNT_ROLES_ENV] = JSON.stringify({ [MEMBER]: roleIn(MEMBER) });
});

afterEach(() => {
  delete process.env[ACCOUNT_ROLES_ENV];
});

/** The `keywarden.rotation` events the rotate bundle puts on the bus from now on, through a probe queue. */
async function subscribeToRotationEvents(): Promise<() => Promise<Array<{ outcome: string; tenant?: string; secret: { arn?: string } }>>> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `rotation-events-probe${run}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const bus = process.env.KEYWARDEN_FINDINGS_BUS ?? 'keywarden-ci';
  await bridge.send(new PutRuleCommand({ Name: `rotation-events-probe${run}`, EventBusName: bus, EventPattern: JSON.stringify({ source: ['keywarden'], 'detail-type': ['keywarden.rotation'] }) }));
  await bridge.send(new PutTargetsCommand({ Rule: `rotation-events-probe${run}`, EventBusName: bus, Targets: [{ Id: 'probe', Arn: Attributes!.QueueArn! }] }));
  return async () => (await drainQueue(QueueUrl!)).map((m) => (JSON.parse(m.Body!) as { detail: { outcome: string; tenant?: string; secret: { arn?: string } } }).detail);
}

const invoke = async (event: RotationEvent) => {
  await invokeBundle('rotate', event);
};

async function createIn(client: SecretsManagerClient, name: string, value: object = { username: 'svc', password: INITIAL }): Promise<string> {
  const out = await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify(value),
      Tags: [
        { Key: 'keywarden:strategy', Value: 'password' },
        { Key: 'keywarden:stage', Value: 'ci' },
      ],
    }),
  );
  return out.ARN!;
}

async function state(client: SecretsManagerClient, arn: string) {
  const described = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  const current = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  return { labels: described.VersionIdsToStages, current: current.SecretString };
}

/** The rotation failed at createSecret with a cross-account refusal naming `field`, and one finding says so. */
async function expectRefused(report: { ok: boolean; failedStep?: string; steps: Array<{ error?: string }> }, field: string, account: string): Promise<void> {
  expect(report).toMatchObject({ ok: false, failedStep: 'createSecret' });
  expect(report.steps[0]!.error).toMatch(/rotation\.cross-account-refused/);
  const published = await findings();
  expect(published).toHaveLength(1);
  expect(published[0]).toMatchObject({ ruleId: 'rotation.cross-account-refused', severity: 'high', evidence: { field, account } });
  expect(JSON.stringify(published)).not.toContain(INITIAL);
}

describe('rotation of a secret in another account (built rotate bundle, three accounts)', () => {
  it('rotates a member account secret through the configured role and the RotationToken, touching no other account', async () => {
    const arn = await createIn(member, 'app/tenant-1/db-password');
    const twin = await createIn(third, 'app/tenant-1/db-password');
    const twinBefore = await state(third, twin);

    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(member, 30), invoke });
    expect(report.ok).toBe(true);

    const after = await state(member, arn);
    expect(after.labels![report.token]).toContain('AWSCURRENT');
    expect(JSON.parse(after.current!)).toMatchObject({ username: 'svc' });
    expect(JSON.parse(after.current!).password).not.toBe(INITIAL);
    expect(await state(third, twin)).toEqual(twinBefore);
    expect((await home.send(new ListSecretsCommand({}))).SecretList ?? []).toEqual([]);
    expect(arn.split(':')[4]).toBe(MEMBER);
  });

  it('attack: a member account\'s tenant-1 is not the home tenant-1: its rotation event carries the account-qualified tenant', async () => {
    const events = await subscribeToRotationEvents();
    const memberArn = await createIn(member, 'app/tenant-1/events');
    const homeArn = await createIn(home, 'app/tenant-1/events');
    expect((await playRotation(memberArn, { start: rotateSecretStarterWithToken(member, 30), invoke })).ok).toBe(true);
    expect((await playRotation(homeArn, { start: rotateSecretStarterWithToken(home, 30), invoke })).ok).toBe(true);
    const succeeded = (await events()).filter((event) => event.outcome === 'succeeded');
    expect(succeeded.find((event) => event.secret.arn === memberArn)).toMatchObject({ tenant: `${MEMBER}:tenant-1` });
    expect(succeeded.find((event) => event.secret.arn === homeArn)).toMatchObject({ tenant: 'tenant-1' });
  });

  it('still rotates a secret of its own account as before, with roles configured', async () => {
    const arn = await createIn(home, 'app/tenant-1/own');
    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(home, 30), invoke });
    expect(report.ok).toBe(true);
    expect(arn.split(':')[4]).toBe(HOME);
    expect(JSON.parse((await state(home, arn)).current!).password).not.toBe(INITIAL);
  });

  it('attack: a configured role in a third account is refused, and neither account changes', async () => {
    process.env[ACCOUNT_ROLES_ENV] = JSON.stringify({ [MEMBER]: roleIn(THIRD) });
    const arn = await createIn(member, 'app/tenant-1/wrong-role');
    const twin = await createIn(third, 'app/tenant-1/wrong-role');
    const before = await state(member, arn);
    const twinBefore = await state(third, twin);

    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(member, 30), invoke });
    await expectRefused(report, 'role', MEMBER);
    const after = await state(member, arn);
    expect(after.current).toBe(before.current);
    expect(after.labels![report.token]).toEqual(['AWSPENDING']);
    await expect(member.send(new GetSecretValueCommand({ SecretId: arn, VersionId: report.token }))).rejects.toThrow(/can't find|ResourceNotFound/);
    expect(await state(third, twin)).toEqual(twinBefore);
  });

  it('attack: a secret in an account with no configured role is refused, and it does not change', async () => {
    const arn = await createIn(third, 'app/tenant-1/unlisted');
    const before = await state(third, arn);
    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(third, 30), invoke });
    await expectRefused(report, 'account', THIRD);
    expect((await state(third, arn)).current).toBe(before.current);
  });

  it('attack: an event with no RotationToken is refused before any call, and the secret does not change', async () => {
    const arn = await createIn(member, 'app/tenant-1/no-token');
    const before = await state(member, arn);
    const report = await playRotation(arn, {
      start: async (secretId, token) => {
        await rotateSecretStarterWithToken(member, 30)(secretId, token);
      },
      invoke,
    });
    await expectRefused(report, 'RotationToken', MEMBER);
    expect((await state(member, arn)).current).toBe(before.current);
  });

  it('attack: a forged RotationToken is refused by Secrets Manager, and no pending value is stored', async () => {
    const arn = await createIn(member, 'app/tenant-1/forged-token');
    const before = await state(member, arn);
    const report = await playRotation(arn, {
      start: async (secretId, token) => {
        await rotateSecretStarterWithToken(member, 30)(secretId, token);
        return { rotationToken: randomUUID() };
      },
      invoke,
    });
    expect(report).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(report.steps[0]!.error).toMatch(/AccessDeniedException/);
    const after = await state(member, arn);
    expect(after.current).toBe(before.current);
    await expect(member.send(new GetSecretValueCommand({ SecretId: arn, VersionId: report.token }))).rejects.toThrow(/can't find|ResourceNotFound/);
  });

  it('attack: a value naming a role in a third account does not choose the role; the rotation stays in the member account', async () => {
    const planted = roleIn(THIRD);
    const arn = await createIn(member, 'app/tenant-1/value-role', { username: 'svc', password: INITIAL, roleArn: planted, assumeRoleArn: planted });
    const twin = await createIn(third, 'app/tenant-1/value-role');
    const twinBefore = await state(third, twin);
    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(member, 30), invoke });
    expect(report.ok).toBe(true);
    expect(JSON.parse((await state(member, arn)).current!)).toMatchObject({ roleArn: planted });
    expect(await state(third, twin)).toEqual(twinBefore);
  });

  it('attack: steps replayed against a secret of the same name in the third account are refused', async () => {
    const arn = await createIn(member, 'app/tenant-1/replayed');
    const report = await playRotation(arn, { start: rotateSecretStarterWithToken(member, 30), invoke });
    expect(report.ok).toBe(true);
    const twin = await createIn(third, 'app/tenant-1/replayed');
    const twinBefore = await state(third, twin);
    await findings();
    for (const step of ROTATION_STEPS) {
      await expect(invoke({ Step: step, SecretId: twin, ClientRequestToken: report.token, RotationToken: randomUUID() })).rejects.toThrow(/cross-account-refused/);
    }
    expect(await state(third, twin)).toEqual(twinBefore);
  });
});
