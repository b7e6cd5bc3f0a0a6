import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, UpdateAccessKeyCommand, DeleteAccessKeyCommand, DeleteUserPolicyCommand, GetUserPolicyCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { DynamoDbBindingStore } from '../../shared/aws/dynamodb-binding-store';
import { DynamoDbRotationLedger } from '../../shared/aws/dynamodb-rotation-ledger';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { iamAccessKeyBindingFromFlags } from '../../shared/rotation/binding-iam-access-key';
import { playRotation, type RotationEvent } from '../../shared/rotation/driver';
import { REVOKE_GRANT_TTL_SECONDS, rotationLedgerTableName } from '../../shared/rotation/ledger';
import { ROTATION_STEPS } from '../../shared/rotation/request';
import { bindingsTableName } from '../../shared/rotation/settings';
import { adminClients, clientConfig, keysOf, rotatorEnv, startAuthAws, whoIs, type AuthAws, type KeyPair } from '../support/iam-auth-aws';
import { captureOutput } from '../support/capture-output';
import { pointAtLocalAws } from '../support/local-aws';

/**
 * The iam-access-key strategy through the built rotate bundle, against a moto that enforces IAM
 * authentication (test/support/iam-auth-aws.ts): the bundle signs with a user holding exactly the
 * actions the template gives the rotate role, and a deleted or inactive key is refused by STS.
 */

const PATH = '/keywarden-rotated/';
let aws: AuthAws;
let iam: IAMClient;
let sm: SecretsManagerClient;
let bindings: DynamoDbBindingStore;
let ledger: DynamoDbRotationLedger;

beforeAll(async () => {
  aws = await startAuthAws();
  const clients = adminClients(aws);
  iam = clients.iam;
  sm = clients.sm;
  bindings = new DynamoDbBindingStore(clients.ddb, bindingsTableName('ci'));
  ledger = new DynamoDbRotationLedger(clients.ddb, rotationLedgerTableName('ci'));
});
afterAll(async () => aws?.stop());
// The bundle runs in this process and builds its clients from the environment at first use.
beforeEach(() => void Object.assign(process.env, rotatorEnv(aws)));
afterEach(() => pointAtLocalAws());

let serial = 0;
/** A fresh IAM user under the rotated path with one key, and a secret holding that key. */
async function keyedUser(options: { value?: (key: KeyPair) => object | string; bind?: Partial<Parameters<typeof iamAccessKeyBindingFromFlags>[1]> | false; tags?: Record<string, string> } = {}) {
  serial += 1;
  const user = `${aws.prefix}_u${serial}`;
  const name = `merchants/${aws.prefix}/m${serial}/aws`;
  await iam.send(new CreateUserCommand({ UserName: user, Path: PATH }));
  const key = await newKey(user);
  const value = options.value?.(key) ?? { awsAccessKeyId: key.accessKeyId, awsSecretAccessKey: key.secretAccessKey, awsRegion: 'eu-west-1', merchantId: 'm-17', note: 'caf\u00e9' };
  const tags = { 'keywarden:stage': 'ci', 'keywarden:strategy': 'iam-access-key', ...options.tags };
  const { ARN } = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: typeof value === 'string' ? value : JSON.stringify(value), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
  if (options.bind !== false) await bindings.put(iamAccessKeyBindingFromFlags(ARN!, { iamUser: user, deleteUnusedAfterDays: 0, ...options.bind }));
  return { user, name, arn: ARN!, key };
}

async function newKey(user: string): Promise<KeyPair> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

async function keyAt(name: string, stage = 'AWSCURRENT'): Promise<KeyPair & Record<string, unknown>> {
  const { SecretString } = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
  const value = JSON.parse(SecretString!) as Record<string, unknown>;
  return { ...value, accessKeyId: value.awsAccessKeyId as string, secretAccessKey: value.awsSecretAccessKey as string };
}

const step = (event: RotationEvent) => invokeBundle('rotate', event).then(() => undefined);
const rotate = (name: string, token?: string) => playRotation(name, { start: rotateSecretStarter(sm, 30), invoke: step, token });
const userArn = (user: string) => `arn:aws:iam::123456789012:user${PATH}${user}`;

async function stepError(event: RotationEvent): Promise<Error> {
  return invokeBundle('rotate', event).then(
    () => expect.unreachable('the step succeeded'),
    (error: unknown) => error as Error,
  );
}

async function revoke(name: string, arn: string, token: string) {
  await ledger.grantRevoke(arn, token, `test-${token}`, REVOKE_GRANT_TTL_SECONDS);
  return (await invokeBundle('rotate', { Action: 'revokePrevious', SecretId: name, ClientRequestToken: token })) as { revoked: boolean; detail: string };
}

/** The findings the rotate bundle put on the keywarden-ci bus of this moto, from a probe queue (not its keywarden.rotation events). */
async function findingsProbe(): Promise<() => Promise<Array<{ ruleId: string; evidence: Record<string, unknown>; runbook: string; title: string }>>> {
  const config = clientConfig(aws.endpoint, aws.admin);
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `iam-findings-probe-${serial}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: `iam-findings-probe-${serial}`, EventBusName: 'keywarden-ci', EventPattern: JSON.stringify({ source: ['keywarden'], 'detail-type': ['keywarden.finding'] }) }));
  await events.send(new PutTargetsCommand({ Rule: `iam-findings-probe-${serial}`, EventBusName: 'keywarden-ci', Targets: [{ Id: 'probe', Arn: Attributes!.QueueArn! }] }));
  return async () => {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return (Messages ?? []).map((m) => (JSON.parse(m.Body!) as { detail: never }).detail);
  };
}

/** Runs `body` while the rotator's policy lacks the actions `drop` picks, then puts them back. */
async function withoutRotatorActions(drop: (action: string) => boolean, body: () => Promise<void>): Promise<void> {
  const user = `${aws.prefix}_rotator`;
  const policy = await iam.send(new GetUserPolicyCommand({ UserName: user, PolicyName: 'test' }));
  const document = JSON.parse(decodeURIComponent(policy.PolicyDocument!)) as { Statement: Array<{ Action: string[] }> };
  const without = document.Statement.map((statement) => ({ ...statement, Action: statement.Action.filter((action) => !drop(action)) }));
  await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'test', PolicyDocument: JSON.stringify({ ...document, Statement: without }) }));
  try {
    await body();
  } finally {
    await iam.send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: 'test' }));
    await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'test', PolicyDocument: JSON.stringify(document) }));
  }
}

describe('the local AWS with IAM authentication enforced', () => {
  it('refuses a deactivated key as AWS does (cli/local/moto_patches/iam.py), a deleted one too, and accepts it again once reactivated', async () => {
    const t = await keyedUser();
    await iam.send(new UpdateAccessKeyCommand({ UserName: t.user, AccessKeyId: t.key.accessKeyId, Status: 'Inactive' }));
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
    await iam.send(new UpdateAccessKeyCommand({ UserName: t.user, AccessKeyId: t.key.accessKeyId, Status: 'Active' }));
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));
    expect(await whoIs(aws, { accessKeyId: t.key.accessKeyId, secretAccessKey: `${t.key.secretAccessKey.slice(0, -1)}x` })).toMatch(/^refused: /);
    await iam.send(new DeleteAccessKeyCommand({ UserName: t.user, AccessKeyId: t.key.accessKeyId }));
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
  });
});

describe('iam-access-key rotation through the built bundle, IAM authentication enforced', () => {
  it('rotates: a new key of the bound user becomes AWSCURRENT, the previous stays active, other fields are kept', async () => {
    const t = await keyedUser();
    const report = await rotate(t.name);
    expect(report).toMatchObject({ ok: true });
    const current = await keyAt(t.name);
    expect(current.accessKeyId).not.toBe(t.key.accessKeyId);
    expect(current).toMatchObject({ awsRegion: 'eu-west-1', merchantId: 'm-17', note: 'caf\u00e9' });
    expect(await whoIs(aws, current)).toBe(userArn(t.user));
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));
    expect(await keysOf(iam, t.user)).toEqual(
      [{ id: t.key.accessKeyId, status: 'Active' }, { id: current.accessKeyId, status: 'Active' }].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('the next rotation deactivates and deletes the key before the previous one, which STS then refuses', async () => {
    const t = await keyedUser();
    expect((await rotate(t.name)).ok).toBe(true);
    const first = await keyAt(t.name);
    expect((await rotate(t.name)).ok).toBe(true);
    const second = await keyAt(t.name);
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
    expect(await whoIs(aws, first)).toBe(userArn(t.user));
    expect(await whoIs(aws, second)).toBe(userArn(t.user));
    expect((await keysOf(iam, t.user)).map((key) => key.id).sort()).toEqual([first.accessKeyId, second.accessKeyId].sort());
  });

  it('runs every step twice and still ends with exactly the current and the previous key', async () => {
    const t = await keyedUser();
    const token = crypto.randomUUID();
    await rotateSecretStarter(sm, 30)(t.name, token);
    for (const name of ROTATION_STEPS) {
      await step({ Step: name, SecretId: t.name, ClientRequestToken: token });
      await step({ Step: name, SecretId: t.name, ClientRequestToken: token });
    }
    const current = await keyAt(t.name);
    expect((await keysOf(iam, t.user)).map((key) => key.id).sort()).toEqual([t.key.accessKeyId, current.accessKeyId].sort());
    expect(await whoIs(aws, current)).toBe(userArn(t.user));
  });

  it('a key left by an attempt that never stored it (never used) is deleted to make room', async () => {
    const t = await keyedUser();
    const orphan = await newKey(t.user);
    expect((await rotate(t.name)).ok).toBe(true);
    const current = await keyAt(t.name);
    expect((await keysOf(iam, t.user)).map((key) => key.id).sort()).toEqual([t.key.accessKeyId, current.accessKeyId].sort());
    expect(await whoIs(aws, orphan)).toBe('refused: InvalidClientTokenId');
  });

  it('a previous key used within the configured days is deactivated, not deleted: the rotation fails with a finding naming its use, the current key works', async () => {
    const t = await keyedUser({ bind: { deleteUnusedAfterDays: 30 } });
    const findings = await findingsProbe();
    expect((await rotate(t.name)).ok).toBe(true);
    const first = await keyAt(t.name);
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user)); // a client still on the previous key
    const report = await rotate(t.name);
    expect(report).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(report.steps[0]!.error).toMatch(new RegExp(`previous access key ${t.key.accessKeyId} of IAM user ${t.user} was last used .*service sts.*rotation\\.iam-key-in-use`));
    expect(await keysOf(iam, t.user)).toContainEqual({ id: t.key.accessKeyId, status: 'Inactive' });
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
    expect((await keyAt(t.name)).accessKeyId).toBe(first.accessKeyId);
    expect(await whoIs(aws, first)).toBe(userArn(t.user));
    const [finding] = await findings();
    expect(finding).toMatchObject({ ruleId: 'rotation.iam-key-in-use', evidence: expect.objectContaining({ field: 'awsAccessKeyId' }) });
    expect(finding!.runbook).toMatch(/AWSCURRENT/);
    expect(JSON.stringify(finding)).not.toContain(first.secretAccessKey);
  });

  it('failure at testSecret (the new key deleted meanwhile) leaves the current key current and working', async () => {
    const t = await keyedUser();
    const token = crypto.randomUUID();
    await rotateSecretStarter(sm, 30)(t.name, token);
    await step({ Step: 'createSecret', SecretId: t.name, ClientRequestToken: token });
    await step({ Step: 'setSecret', SecretId: t.name, ClientRequestToken: token });
    const pending = await keyAt(t.name, 'AWSPENDING');
    await iam.send(new DeleteAccessKeyCommand({ UserName: t.user, AccessKeyId: pending.accessKeyId }));
    const failed = await stepError({ Step: 'testSecret', SecretId: t.name, ClientRequestToken: token });
    expect(failed.message).toMatch(`STS refuses the pending access key ${pending.accessKeyId} (InvalidClientTokenId)`);
    expect(failed.message).not.toContain(pending.secretAccessKey);
    expect((await keyAt(t.name)).accessKeyId).toBe(t.key.accessKeyId);
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));

  });

  it('failure at finishSecret (no right to move the label) leaves the current key current and working; a retry finishes', async () => {
    const t = await keyedUser();
    const next = crypto.randomUUID();
    await rotateSecretStarter(sm, 30)(t.name, next);
    for (const name of ['createSecret', 'setSecret', 'testSecret'] as const) await step({ Step: name, SecretId: t.name, ClientRequestToken: next });
    await withoutRotatorActions((action) => action === 'secretsmanager:UpdateSecretVersionStage', async () => {
      // moto answers AccessDenied in XML to a JSON service, so the SDK reports a parse error.
      expect((await stepError({ Step: 'finishSecret', SecretId: t.name, ClientRequestToken: next })).message).toMatch(/UpdateSecretVersionStage on .* failed/);
    });
    expect((await keyAt(t.name)).accessKeyId).toBe(t.key.accessKeyId);
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));
    await step({ Step: 'finishSecret', SecretId: t.name, ClientRequestToken: next });
    expect(await whoIs(aws, await keyAt(t.name))).toBe(userArn(t.user));
  });

  it('emergency revoke deactivates the previous key at once (STS refuses it), twice is harmless, and the current key works', async () => {
    const t = await keyedUser();
    const report = await rotate(t.name);
    expect(report.ok).toBe(true);
    const result = await revoke(t.name, t.arn, report.token);
    expect(result).toMatchObject({ revoked: true, detail: expect.stringContaining(`deactivated access key ${t.key.accessKeyId} of IAM user ${t.user}`) });
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
    expect(await keysOf(iam, t.user)).toContainEqual({ id: t.key.accessKeyId, status: 'Inactive' });
    expect((await revoke(t.name, t.arn, report.token)).revoked).toBe(true);
    expect(await whoIs(aws, await keyAt(t.name))).toBe(userArn(t.user));
  });

  it("manages the keys through the binding's role (--assume-role) when the rotate role itself has no IAM key rights", async () => {
    const roleName = `${aws.prefix}_key_rotator`;
    const keyActions = ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:GetAccessKeyLastUsed'];
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: userArn(`${aws.prefix}_rotator`).replace(PATH, '/') }, Action: 'sts:AssumeRole' }] };
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: roleName, Path: '/keywarden-rotator/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'keys', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: keyActions, Resource: '*' }] }) }));
    const t = await keyedUser({ bind: { assumeRole: Role!.Arn! } });
    await withoutRotatorActions((action) => action.startsWith('iam:'), async () => {
      const report = await rotate(t.name);
      expect(report).toMatchObject({ ok: true });
      expect((await revoke(t.name, t.arn, report.token)).revoked).toBe(true);
    });
    expect(await whoIs(aws, await keyAt(t.name))).toBe(userArn(t.user));
    expect(await whoIs(aws, t.key)).toBe('refused: InvalidClientTokenId');
    // Without the role, the rotator cannot touch the keys: the role was what did it.
    const unroled = await keyedUser();
    await withoutRotatorActions((action) => action.startsWith('iam:'), async () => {
      expect((await rotate(unroled.name)).steps[0]!.error).toMatch(/listing the access keys of IAM user .* failed: AccessDenied/);
    });
  });

  it('a revocation the emergency function did not grant is refused and the previous key stays active', async () => {
    const t = await keyedUser();
    const report = await rotate(t.name);
    const error = await stepError({ Action: 'revokePrevious', SecretId: t.name, ClientRequestToken: report.token } as never);
    expect(error.message).toMatch(/rotation\.unauthorized-revoke/);
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));
  });
});

describe('iam-access-key: secret access keys never reach a log or an error', () => {
  it('prints no secret access key through rotations, a refused one, a failed test and a revocation', async () => {
    const t = await keyedUser({ bind: { deleteUnusedAfterDays: 30 } });
    const seen: string[] = [t.key.secretAccessKey];
    const { printed, error } = await captureOutput(async () => {
      const first = await rotate(t.name);
      seen.push((await keyAt(t.name)).secretAccessKey);
      await whoIs(aws, t.key);
      const refused = await rotate(t.name); // the previous key was just used: rotation.iam-key-in-use
      await revoke(t.name, t.arn, first.token);
      // An administrator allows deleting it at once; the refused rotation's retry goes on.
      await bindings.put(iamAccessKeyBindingFromFlags(t.arn, { iamUser: t.user, deleteUnusedAfterDays: 0 }));
      await step({ Step: 'createSecret', SecretId: t.name, ClientRequestToken: refused.token });
      const pending = await keyAt(t.name, 'AWSPENDING');
      seen.push(pending.secretAccessKey);
      await iam.send(new DeleteAccessKeyCommand({ UserName: t.user, AccessKeyId: pending.accessKeyId }));
      return [first, refused, await stepError({ Step: 'testSecret', SecretId: t.name, ClientRequestToken: refused.token })];
    });
    expect(error).toBeUndefined();
    expect(printed).toMatch(/rotation\.iam-key-in-use/);
    expect(printed).toMatch(/STS refuses the pending access key/);
    for (const secret of seen) expect(printed).not.toContain(secret);
  });
});

describe('iam-access-key: bad input is refused with a clear error and nothing changes', () => {
  /** Runs a rotation that must fail at createSecret; returns its error and checks no key changed. */
  async function refusedRotation(t: Awaited<ReturnType<typeof keyedUser>>, users: string[] = [t.user]): Promise<string> {
    const before = await Promise.all(users.map((user) => keysOf(iam, user)));
    const report = await rotate(t.name);
    expect(report).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(await Promise.all(users.map((user) => keysOf(iam, user)))).toEqual(before);
    expect(await whoIs(aws, t.key)).toBe(userArn(t.user));
    return report.steps[0]!.error!;
  }

  it('attack: a value without awsSecretAccessKey', async () => {
    const t = await keyedUser({ value: (key) => ({ awsAccessKeyId: key.accessKeyId }) });
    expect(await refusedRotation(t)).toMatch(/needs the fields "awsAccessKeyId" and "awsSecretAccessKey"/);
  });

  it('attack: a value that is not JSON', async () => {
    const t = await keyedUser({ value: (key) => `${key.accessKeyId}:${key.secretAccessKey}` });
    const error = await refusedRotation(t);
    expect(error).toMatch(/the current value is not valid JSON/);
    expect(error).not.toContain(t.key.secretAccessKey);
  });

  it('attack: a value that names another IAM user than the binding', async () => {
    const victim = await keyedUser();
    const t = await keyedUser({ value: (key) => ({ awsAccessKeyId: key.accessKeyId, awsSecretAccessKey: key.secretAccessKey, userName: victim.user }) });
    expect(await refusedRotation(t, [t.user, victim.user])).toMatch(/"userName" differs from the binding \(bound IAM user .*rotation\.binding-violation/);
  });

  it.each(['assumeRoleArn', 'roleArn'])('attack: a value whose "%s" names a role to assume that the binding does not', async (field) => {
    const t = await keyedUser({ value: (key) => ({ awsAccessKeyId: key.accessKeyId, awsSecretAccessKey: key.secretAccessKey, [field]: 'arn:aws:iam::666666666666:role/keywarden-rotator/attacker' }) });
    expect(await refusedRotation(t)).toMatch(new RegExp(`"${field}" differs from the binding \\(no role is bound\\).*rotation\\.binding-violation`));
  });

  it("attack: a current key id that belongs to another user (the victim's keys are never touched)", async () => {
    const victim = await keyedUser();
    const t = await keyedUser({ value: () => ({ awsAccessKeyId: victim.key.accessKeyId, awsSecretAccessKey: victim.key.secretAccessKey }) });
    const error = await refusedRotation(t, [t.user, victim.user]);
    expect(error).toMatch(`key ${victim.key.accessKeyId} is not a key of the bound IAM user ${t.user}`);
    expect(error).not.toContain(victim.key.secretAccessKey);
    expect(await whoIs(aws, victim.key)).toBe(userArn(victim.user));
  });

  it('attack: a secret tagged iam-access-key with no binding creates no key', async () => {
    const t = await keyedUser({ bind: false });
    expect(await refusedRotation(t)).toMatch(/IAM access key secret with no binding.*keywarden bind .* --iam-user/);
  });

  it("attack: a previous version planted with another user's key id is not revoked", async () => {
    const victim = await keyedUser();
    const t = await keyedUser();
    const report = await rotate(t.name);
    const current = await keyAt(t.name);
    await sm.send(new PutSecretValueCommand({
      SecretId: t.name,
      SecretString: JSON.stringify({ awsAccessKeyId: victim.key.accessKeyId, awsSecretAccessKey: victim.key.secretAccessKey }),
      VersionStages: ['AWSPREVIOUS'],
    }));
    await ledger.grantRevoke(t.arn, report.token, 'test', REVOKE_GRANT_TTL_SECONDS);
    const error = await stepError({ Action: 'revokePrevious', SecretId: t.name, ClientRequestToken: report.token } as never);
    expect(error.message).toMatch(`the previous value's key ${victim.key.accessKeyId} is not a key of the bound IAM user ${t.user}`);
    expect(await keysOf(iam, victim.user)).toEqual([{ id: victim.key.accessKeyId, status: 'Active' }]);
    expect(await whoIs(aws, victim.key)).toBe(userArn(victim.user));
    expect(await whoIs(aws, current)).toBe(userArn(t.user));
  });
});
