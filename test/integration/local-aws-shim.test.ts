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
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';

// The fidelity shim in cli/local/moto_server.py: RotateSecret without a rotation function must
// leave the secret exactly as AWS leaves it before it invokes the function, and EventBridge must
// deliver what a target asks for.
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

describe('RotateSecret without a rotation function (local AWS)', () => {
  it('stages the token as an empty AWSPENDING version and leaves AWSCURRENT alone', async () => {
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

  it('answers ResourceNotFoundException for the empty version, by id and by stage', async () => {
    const { name } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 7 } }));
    expect((await errorOf(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token })))).name).toBe('ResourceNotFoundException');
    const byStage = await errorOf(sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })));
    expect(byStage.name).toBe('ResourceNotFoundException');
    expect(byStage.message).toMatch(/AWSPENDING/);
  });

  it('lets PutSecretValue fill the staged version once; a different value on that token is ResourceExistsException', async () => {
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

  it('refuses a second rotation while AWSPENDING is on a version that is not AWSCURRENT', async () => {
    const { name } = await secretWithValue();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID(), RotationRules: { AutomaticallyAfterDays: 30 } }));
    const refused = await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: randomUUID() })));
    expect(refused.name).toBe('InvalidRequestException');
  });

  it('after finishSecret moves AWSCURRENT, GetSecretValue returns the new value and a new rotation may start', async () => {
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

  it('refuses to attach a label that is on another version unless RemoveFromVersionId names it', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    const refused = await errorOf(sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', MoveToVersionId: currentId })));
    expect(refused.name).toBe('InvalidParameterException');
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
  });

  it('RotateImmediately=false (stage_configuration_test): stages a copy of AWSCURRENT as AWSPENDING for testSecret, sets the rules, rotates nothing', async () => {
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

  it('RotateImmediately=false refuses a token already in use and rules with both AutomaticallyAfterDays and ScheduleExpression', async () => {
    const { name, currentId } = await secretWithValue();
    expect((await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: currentId, RotateImmediately: false })))).name).toBe('ResourceExistsException');
    const both = await errorOf(
      sm.send(new RotateSecretCommand({ SecretId: name, RotationRules: { AutomaticallyAfterDays: 7, ScheduleExpression: 'rate(7 days)' }, RotateImmediately: false })),
    );
    expect(both.name).toBe('InvalidParameterException');
    expect(await labels(name)).toEqual({ [currentId]: ['AWSCURRENT'] });
  });

  it('CancelRotateSecret turns rotation off and leaves the labels as they are', async () => {
    const { name, currentId } = await secretWithValue();
    const token = randomUUID();
    await sm.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationRules: { AutomaticallyAfterDays: 30 } }));
    await sm.send(new CancelRotateSecretCommand({ SecretId: name }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.RotationEnabled).toBe(false);
    expect(described.VersionIdsToStages).toEqual({ [currentId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
  });

  it('keeps moto\'s validation: rotation rules out of range, unknown secrets', async () => {
    const { name } = await secretWithValue();
    const invalid = await errorOf(sm.send(new RotateSecretCommand({ SecretId: name, RotationRules: { AutomaticallyAfterDays: 5000 } })));
    expect(invalid.name).toBe('InvalidParameterException');
    const missing = await errorOf(sm.send(new RotateSecretCommand({ SecretId: 'shim/none', RotationRules: { AutomaticallyAfterDays: 1 } })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});

describe('EventBridge targets (local AWS)', () => {
  const events = new EventBridgeClient({});
  const queues = new SQSClient({});

  async function queueFor(ruleName: string, target: Record<string, string>) {
    const { QueueUrl } = await queues.send(new CreateQueueCommand({ QueueName: `shim-${ruleName}` }));
    await events.send(new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify({ source: [`shim.${ruleName}`] }) }));
    await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 't', Arn: `arn:aws:sqs:us-east-1:123456789012:shim-${ruleName}`, ...target }] }));
    return QueueUrl!;
  }

  async function deliver(ruleName: string, queueUrl: string, detail: object): Promise<unknown> {
    await events.send(new PutEventsCommand({ Entries: [{ Source: `shim.${ruleName}`, DetailType: 'Finding', Detail: JSON.stringify(detail) }] }));
    const { Messages } = await queues.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2 }));
    return JSON.parse(Messages?.[0]?.Body ?? 'null');
  }

  it('sends exactly the Input of a target', async () => {
    const url = await queueFor('constant', { Input: '{"kind":"tick"}' });
    expect(await deliver('constant', url, { a: 1 })).toEqual({ kind: 'tick' });
  });

  it('sends the part InputPath selects, even when it has a "time" field of its own', async () => {
    const url = await queueFor('path', { InputPath: '$.detail' });
    const detail = { ruleId: 'r1', time: '2026-01-01T00:00:00Z' };
    expect(await deliver('path', url, detail)).toEqual(detail);
  });

  it('sends the whole event, with its time as a date, when the target says neither', async () => {
    const url = await queueFor('whole', {});
    expect(await deliver('whole', url, { a: 1 })).toMatchObject({ source: 'shim.whole', 'detail-type': 'Finding', detail: { a: 1 }, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });
});
