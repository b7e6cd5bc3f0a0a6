import { randomUUID } from 'node:crypto';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { MEMBER, secretsManagerIn } from '../../support/accounts';

// The Secrets Manager patches (cli/local/moto_patches/secretsmanager.py), one test or more per
// patch, each named after it: RotateSecret without a rotation function must leave the secret
// exactly as AWS leaves it before it invokes the function, since the local driver plays the
// service. Each test fails on moto without its patch.
const sm = new SecretsManagerClient({});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

async function secretWithValue(value = 'v1') {
  const name = `shim/${randomUUID()}`;
  const created = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { name, currentId: created.VersionId! };
}

/** Each version's labels, sorted: AWS promises no order. */
async function labels(name: string) {
  const stages = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
  return Object.fromEntries(Object.entries(stages).map(([id, list]) => [id, [...list].sort()]));
}

describe('moto Secrets Manager patches (cli/local/moto_patches/secretsmanager.py)', () => {
  it('rotate without a function: stages the token as an empty AWSPENDING version and leaves AWSCURRENT alone (moto made it AWSCURRENT at once)', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    const out = await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    expect(out.VersionId).toBe(token);

    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationRules?.AutomaticallyAfterDays).toBe(30);
    expect(described.RotationLambdaARN).toBeUndefined();

    const current = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.SecretString).toBe('v1');
    expect(current.VersionId).toBe(currentId);
  });

  it('staged version has no value: GetSecretValue of it is ResourceNotFoundException naming the VersionId or the stage asked for', async () => {
    const { name } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 7 } }));
    const byId = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token })));
    expect(byId.name).toBe('ResourceNotFoundException');
    expect(byId.message).toContain(token);
    const byStage = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })));
    expect(byStage.name).toBe('ResourceNotFoundException');
    expect(byStage.message).toMatch(/AWSPENDING/);
  });

  it('staged version filled once: PutSecretValue fills it once; the same value again is a no-op, another is ResourceExistsException (moto overwrote it)', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));

    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    expect(put.VersionId).toBe(token);
    expect(put.VersionStages).toEqual(['AWSPENDING']);
    const pending = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token, VersionStage: 'AWSPENDING' }));
    expect(pending.SecretString).toBe('v2');
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });

    // The same value again is a no-op (a retried createSecret step); another value is refused.
    await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    const again = await errorOf(sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: 'v3', VersionStages: ['AWSPENDING'] })));
    expect(again.name).toBe('ResourceExistsException');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token }))).SecretString).toBe('v2');
  });

  it('rotation in progress: a second RotateSecret is refused while AWSPENDING is on a version that is not AWSCURRENT', async () => {
    const { name } = await secretWithValue();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID(), RotationRules: { AutomaticallyAfterDays: 30 } }));
    const refused = await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID() })));
    expect(refused.name).toBe('InvalidRequestException');
  });

  it('moving a label and rotation in progress: once AWSCURRENT moves, GetSecretValue returns the new value (moto kept the old), and a new rotation may start (moto refused it)', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: currentId }));

    const current = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.SecretString).toBe('v2');
    expect(current.VersionId).toBe(token);
    expect(await labels(name)).toEqual({ [currentId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT', 'AWSPENDING'] });

    // AWSPENDING on the AWSCURRENT version is a finished rotation: RotateSecret may run again.
    const next = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: next }));
    expect(await labels(name)).toEqual({ [currentId]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'], [next]: ['AWSPENDING'] });
  });

  it('moving a label: UpdateSecretVersionStage refuses a label that is on another version unless RemoveFromVersionId names it (moto attached it twice)', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    const refused = await errorOf(sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', MoveToVersionId: currentId })));
    expect(refused.name).toBe('InvalidParameterException');
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
  });

  it('configuration test: RotateImmediately=false stages a copy of AWSCURRENT as AWSPENDING for testSecret, sets the rules, rotates nothing', async () => {
    const { name, currentId } = await secretWithValue('{"password":"v1"}');
    const token = randomUUID();
    const rules = { ScheduleExpression: 'cron(0 3 ? * SUN *)', Duration: '3h' };
    const out = await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: rules, RotateImmediately: false }));
    expect(out.VersionId).toBe(token);
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    const copy = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token, VersionStage: 'AWSPENDING' }));
    expect(copy.SecretString).toBe('{"password":"v1"}');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationRules).toEqual(rules);
    expect(described.LastRotatedDate).toBeUndefined();
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).VersionId).toBe(currentId);

    // The service removes the test version's label after testSecret; then a rotation may start.
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID() }));
  });

  it('configuration test: RotateImmediately=false refuses a token already in use and rules with both AutomaticallyAfterDays and ScheduleExpression', async () => {
    const { name, currentId } = await secretWithValue();
    expect((await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: currentId, RotateImmediately: false })))).name).toBe('ResourceExistsException');
    const both = await errorOf(
      sm.send(new RotateSecretCommand({ SecretId: name, RotationRules: { AutomaticallyAfterDays: 7, ScheduleExpression: 'rate(7 days)' }, RotateImmediately: false })),
    );
    expect(both.name).toBe('InvalidParameterException');
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'] });
  });

  it('cancel rotation: CancelRotateSecret of a secret rotated without a function turns rotation off and leaves the labels (moto refused it)', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    await sm.send(new CancelRotateSecretCommand({ SecretId: name }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.VersionIdsToStages).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
  });

  it('rotation settings: RotateSecret turns rotation on and keeps a schedule expression and window as given; DescribeSecret shows no empty RotationLambdaARN', async () => {
    const { name } = await secretWithValue();
    const rules = { ScheduleExpression: 'rate(10 days)', Duration: '2h' };
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID(), RotationRules: rules }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationRules).toEqual(rules);
    expect(described).not.toHaveProperty('RotationLambdaARN');
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
  });

  it('rotate without a function keeps moto\'s validation: rotation rules out of range, unknown secrets', async () => {
    const { name } = await secretWithValue();
    const invalid = await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, RotationRules: { AutomaticallyAfterDays: 5000 } })));
    expect(invalid.name).toBe('InvalidParameterException');
    const missing = await errorOf(sm.send(new RotateSecretCommand({ SecretId: 'shim/none', RotationRules: { AutomaticallyAfterDays: 1 } })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});

describe('moto Secrets Manager patch "RotationToken" (cli/local/moto_patches/secretsmanager.py)', () => {
  // A member account's secret, reached through an assumed role, as a cross-account rotation
  // function reaches it; the token is the one the local driver hands RotateSecret in its header.
  let member: SecretsManagerClient;
  beforeEach(async () => {
    member = await secretsManagerIn(MEMBER);
  });

  /** RotateSecret as the local driver sends it: the token it chose in x-keywarden-rotation-token. */
  async function staged() {
    const name = `shim/${randomUUID()}`;
    const { ARN } = await member.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
    const token = randomUUID();
    const rotationToken = randomUUID();
    const command = new RotateSecretCommand({ SecretId: ARN, ClientRequestToken: token });
    command.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-keywarden-rotation-token'] = rotationToken;
        return next(args);
      },
      { step: 'build', name: 'keywardenRotationToken' },
    );
    await member.send(command);
    return { arn: ARN!, token, rotationToken };
  }

  it('RotationToken: an assumed-role PutSecretValue to the staged version without the token, or with another, is AccessDeniedException and stores nothing (moto ignored the token)', async () => {
    const { arn, token } = await staged();
    const put = (extra: object) => member.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: 'x-value-1234', VersionStages: ['AWSPENDING'], ...extra }));
    expect(await errorOf(put({}))).toMatchObject({ name: 'AccessDeniedException', message: expect.stringMatching(/RotationToken/) });
    expect(await errorOf(put({ RotationToken: randomUUID() }))).toMatchObject({ name: 'AccessDeniedException' });
    expect((await errorOf(member.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token })))).name).toBe('ResourceNotFoundException');
  });

  it("RotationToken: the rotation's own token stores the value", async () => {
    const { arn, token, rotationToken } = await staged();
    await member.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: 'x-value-1234', VersionStages: ['AWSPENDING'], RotationToken: rotationToken }));
    expect((await member.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token }))).SecretString).toBe('x-value-1234');
  });

  it('RotationToken: a rotation started without a token changes nothing', async () => {
    const { ARN } = await member.send(new CreateSecretCommand({ Name: `shim/${randomUUID()}`, SecretString: 'v1' }));
    const token = randomUUID();
    await member.send(new RotateSecretCommand({ SecretId: ARN, ClientRequestToken: token }));
    await member.send(new PutSecretValueCommand({ SecretId: ARN, ClientRequestToken: token, SecretString: 'x-value-1234', VersionStages: ['AWSPENDING'] }));
    expect((await member.send(new GetSecretValueCommand({ SecretId: ARN, VersionId: token }))).SecretString).toBe('x-value-1234');
  });
});
