import { DescribeSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { CUSTOM_FUNCTION_TAG } from '../../shared/rotation/binding-custom';
import { customBindingFromFlagsChecked } from '../../shared/rotation/binding-proposal';
import { captureOutput } from '../support/capture-output';
import { bindings, createSecret, invokeStep, resume, revokeThroughBundle, rotate, rotateUntil, sm, valueAt } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { startFaultyLambda, type Fault } from '../support/faulty-lambda';
import { createRabbitUser, deleteRabbitUser, rabbitLogsIn, rabbitRotatorEnv, requireRabbitMq } from '../support/rabbitmq';

/**
 * The custom strategy end to end: the built rotate bundle invokes the example RabbitMQ rotator
 * (its built bundle) through the Lambda SDK, against a Lambda endpoint that can also fail the way
 * a broken rotator would; every credential is checked with a real AMQP login.
 */
const PREFIX = 'kw_rmq_';
const ROTATOR_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-rabbitmq';
const OTHER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-evil';

let lambda: Awaited<ReturnType<typeof startFaultyLambda>>;
const users: string[] = [];

beforeAll(async () => {
  await requireRabbitMq();
  lambda = await startFaultyLambda('ci');
  Object.assign(process.env, rabbitRotatorEnv(PREFIX), { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint, KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: '1500' });
});

afterEach(async () => {
  for (const action of Object.keys(lambda.faults)) delete lambda.faults[action];
  lambda.requests.splice(0);
  for (const user of users.splice(0)) await deleteRabbitUser(user);
});

afterAll(async () => {
  await lambda?.close();
});

/** A RabbitMQ user, and a custom secret holding its credential, bound to the example rotator. */
async function fixture(options: { alternating?: boolean; value?: Record<string, unknown>; tags?: Record<string, string>; bind?: boolean; name?: string } = {}) {
  const s = uniqueSuffix();
  const user = `${PREFIX}${s}`;
  const password = `Initial-${s}-pw`;
  users.push(user, `${user}_clone`);
  await createRabbitUser(user, password);
  const name = options.name ?? `broker/${s}`;
  const arn = await createSecret(name, options.value ?? { username: user, password, vhost: '/', note: 'kept as is' }, { 'keywarden:strategy': 'custom', ...options.tags });
  if (options.bind !== false) await bindings().put(customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, user, alternating: options.alternating }));
  return { s, user, password, name, arn, initial: { username: user, password } };
}

function failing(faults: Partial<Record<string, Fault>>): void {
  Object.assign(lambda.faults, faults);
}

describe('custom rotator: RabbitMQ through the built bundles', () => {
  it('alternating users: the other user gets the new password, the current one keeps working, and the roles swap back', async () => {
    const f = await fixture({ alternating: true });
    const first = await rotate(f.name);
    expect(first.steps.map((step) => step.error)).toEqual([undefined, undefined, undefined, undefined]);
    const afterFirst = await valueAt(f.name);
    expect(afterFirst).toMatchObject({ username: `${f.user}_clone`, vhost: '/', note: 'kept as is' });
    expect(afterFirst.password).not.toBe(f.password);
    expect(await rabbitLogsIn(afterFirst)).toBe(true);
    expect(await rabbitLogsIn(f.initial)).toBe(true);

    expect((await rotate(f.name)).ok).toBe(true);
    const afterSecond = await valueAt(f.name);
    expect(afterSecond.username).toBe(f.user);
    expect(await rabbitLogsIn(afterSecond)).toBe(true);
    expect(await rabbitLogsIn(afterFirst)).toBe(true);
    expect(await rabbitLogsIn(f.initial)).toBe(false);
  });

  it('sends each action only what it needs: test the pending credential alone, revoke user names alone', async () => {
    const f = await fixture({ alternating: true });
    const report = await rotate(f.name);
    expect(report.ok).toBe(true);
    const byAction = Object.fromEntries(lambda.requests.map(({ functionName, body }) => [body.action, { functionName, body }]));
    expect(byAction.set!.functionName).toBe(ROTATOR_ARN);
    expect(Object.keys(byAction.set!.body).sort()).toEqual(['action', 'contract', 'current', 'pending', 'secretId', 'shape']);
    expect(byAction.set!.body).toMatchObject({ contract: 'keywarden.custom-rotator/1', shape: 'password', secretId: f.arn, current: f.initial });
    expect(Object.keys(byAction.set!.body.pending as object).sort()).toEqual(['password', 'username']);
    expect(Object.keys(byAction.test!.body).sort()).toEqual(['action', 'contract', 'pending', 'secretId', 'shape']);
    lambda.requests.splice(0);
    await revokeThroughBundle(f.name, report.token);
    expect(lambda.requests.map(({ body }) => body)).toEqual([
      { contract: 'keywarden.custom-rotator/1', action: 'revoke', shape: 'password', secretId: f.arn, previous: { username: f.user }, current: { username: `${f.user}_clone` } },
    ]);
  });

  it('single user: the password changes after the current one is proven, and the old one stops working', async () => {
    const f = await fixture();
    expect((await rotate(f.name)).ok).toBe(true);
    const current = await valueAt(f.name);
    expect(current.username).toBe(f.user);
    expect(await rabbitLogsIn(current)).toBe(true);
    expect(await rabbitLogsIn(f.initial)).toBe(false);
  });

  it('runs every step twice without harm', async () => {
    const f = await fixture({ alternating: true });
    const token = await rotateUntil(f.name, 'createSecret');
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await invokeStep({ Step: step, SecretId: f.name, ClientRequestToken: token });
      await invokeStep({ Step: step, SecretId: f.name, ClientRequestToken: token });
    }
    const current = await valueAt(f.name);
    expect(current.username).toBe(`${f.user}_clone`);
    expect(await rabbitLogsIn(current)).toBe(true);
    expect(await rabbitLogsIn(f.initial)).toBe(true);
  });

  it('single user: setSecret run twice keeps the new password (the rotator sees it already set)', async () => {
    const f = await fixture();
    const token = await rotateUntil(f.name, 'setSecret');
    await invokeStep({ Step: 'setSecret', SecretId: f.name, ClientRequestToken: token });
    await invokeStep({ Step: 'setSecret', SecretId: f.name, ClientRequestToken: token });
    await resume(f.name, token, 'testSecret');
    expect(await rabbitLogsIn(await valueAt(f.name))).toBe(true);
  });

  const failures: Array<{ action: 'set' | 'test'; fault: Fault; kind: RegExp }> = [
    { action: 'set', fault: 'error', kind: /CustomRotatorError: .*failed with RotatorCrashed \(function error\)/ },
    { action: 'set', fault: 'hang', kind: /CustomRotatorError: .*did not answer within 1500 ms \(timeout\)/ },
    { action: 'set', fault: 'garbage', kind: /CustomRotatorError: .*answered with something that is not JSON \(malformed response\)/ },
    { action: 'set', fault: 'wrong-contract', kind: /CustomRotatorError: .*without "contract": "keywarden.custom-rotator\/1" \(malformed response\)/ },
    { action: 'set', fault: 'refuse-echoing', kind: /CustomRotatorError: .*refused: will not take \[REDACTED\] \(refused\)/ },
    { action: 'test', fault: 'error', kind: /CustomRotatorError: .*\(function error\)/ },
    { action: 'test', fault: 'hang', kind: /CustomRotatorError: .*\(timeout\)/ },
    { action: 'test', fault: 'garbage', kind: /CustomRotatorError: .*\(malformed response\)/ },
  ];
  for (const { action, fault, kind } of failures) {
    it(`a rotator that fails ${action} (${fault}) fails the step, leaves the current credential working, and a retry finishes`, async () => {
      const f = await fixture({ alternating: true });
      failing({ [action]: fault });
      const report = await rotate(f.name);
      expect(report.failedStep).toBe(action === 'set' ? 'setSecret' : 'testSecret');
      const error = report.steps.at(-1)!.error!;
      expect(error).toMatch(kind);
      expect(error).toContain(ROTATOR_ARN);
      expect(await valueAt(f.name)).toMatchObject(f.initial);
      expect(await rabbitLogsIn(f.initial)).toBe(true);
      const pending = await valueAt(f.name, 'AWSPENDING');
      expect(error).not.toContain(pending.password);

      delete lambda.faults[action];
      await resume(f.name, report.token, action === 'set' ? 'setSecret' : 'testSecret');
      expect(await rabbitLogsIn(await valueAt(f.name))).toBe(true);
    });
  }

  it('a rotator that says the pending credential does not work fails testSecret; its words are redacted', async () => {
    const f = await fixture({ alternating: true });
    failing({ test: 'refuse-echoing' });
    const report = await rotate(f.name);
    expect(report.failedStep).toBe('testSecret');
    const error = report.steps.at(-1)!.error!;
    expect(error).toMatch(/SecretTestFailedError: .*the pending credential does not work: will not take/);
    expect(error).not.toContain((await valueAt(f.name, 'AWSPENDING')).password);
    expect(await rabbitLogsIn(f.initial)).toBe(true);
  });

  it('prints no credential: not in the logs of a rotation, of a failed one, or of a revocation', async () => {
    const f = await fixture({ alternating: true });
    const { printed, error } = await captureOutput(async () => {
      await rotate(f.name);
      failing({ test: 'refuse-echoing' });
      const failed = await rotate(f.name);
      delete lambda.faults.test;
      await resume(f.name, failed.token, 'testSecret');
      expect((await revokeThroughBundle(f.name, failed.token)).revoked).toBe(true);
    });
    expect(error).toBeUndefined();
    expect(printed).toContain('rotation step finished');
    expect(printed).toContain('previous credential revoked');
    const versions = [f.password, ...(await Promise.all(['AWSCURRENT', 'AWSPREVIOUS'].map(async (stage) => (await valueAt(f.name, stage)).password)))];
    for (const password of versions) expect(printed).not.toContain(password);
  });

  it('emergency revoke, alternating users: the previous user can no longer log in, the current one can', async () => {
    const f = await fixture({ alternating: true });
    const report = await rotate(f.name);
    const result = await revokeThroughBundle(f.name, report.token);
    expect(result).toMatchObject({ revoked: true });
    expect(result.detail).toContain(`${f.user} can no longer log in`);
    expect(await rabbitLogsIn(f.initial)).toBe(false);
    expect(await rabbitLogsIn(await valueAt(f.name))).toBe(true);
    // Revoked twice: the same end state.
    expect((await revokeThroughBundle(f.name, report.token)).revoked).toBe(true);
    expect(await rabbitLogsIn(await valueAt(f.name))).toBe(true);
  });

  it('an emergency rotation through the emergency function: rotated, the leaked user cut off, the new credential working', async () => {
    const f = await fixture({ alternating: true, name: `multitenant-ai-poc/tenant-1/broker-${uniqueSuffix()}` });
    const report = await invokeEmergency({ secretId: f.name, reason: 'broker password in a ticket', requestedBy: 'oncall', requestId: `inc-${f.s}` }, { kind: 'local', stage: 'ci' });
    expect(report.ok, JSON.stringify(report.secrets[0]?.steps)).toBe(true);
    expect(Object.fromEntries(report.secrets[0]!.steps.map((step) => [step.step, step.outcome]))).toMatchObject({ rotate: 'done', revoke: 'done' });
    const fresh = await valueAt(f.name);
    expect(fresh.username).toBe(`${f.user}_clone`);
    expect(await rabbitLogsIn(fresh)).toBe(true);
    expect(await rabbitLogsIn(f.initial)).toBe(false);
  });

  it('emergency revoke, single user: the old password is already dead; the user\'s connections are closed', async () => {
    const f = await fixture();
    const report = await rotate(f.name);
    const result = await revokeThroughBundle(f.name, report.token);
    expect(result.revoked).toBe(true);
    expect(result.detail).toMatch(/stopped working at set; closed \d+ connection/);
    expect(await rabbitLogsIn(f.initial)).toBe(false);
    expect(await rabbitLogsIn(await valueAt(f.name))).toBe(true);
  });
});

describe('custom rotator: refusals', () => {
  /** Rotation refused at createSecret, no function invoked, and RabbitMQ unchanged. */
  async function expectRefusedUntouched(f: Awaited<ReturnType<typeof fixture>>, message: RegExp): Promise<void> {
    const report = await rotate(f.name);
    expect(report.failedStep).toBe('createSecret');
    expect(report.steps[0]!.error).toMatch(message);
    expect(lambda.requests).toEqual([]);
    expect(await rabbitLogsIn(f.initial)).toBe(true);
  }

  it('attack: a value naming another function is refused; the bound function is not invoked either', async () => {
    const s = uniqueSuffix();
    const f = await fixture({ value: { username: `${PREFIX}${s}`, password: 'x', functionArn: OTHER_ARN } });
    // The fixture's user differs from the value's; bind the value's user so only the function disagrees.
    await createRabbitUser(`${PREFIX}${s}`, 'Initial-pw-value');
    users.push(`${PREFIX}${s}`);
    await bindings().put(customBindingFromFlagsChecked(f.arn, { functionArn: ROTATOR_ARN, user: `${PREFIX}${s}` }));
    const report = await rotate(f.name);
    expect(report.steps[0]!.error).toMatch(/RotationRefusedError: .*"functionArn" names another function than the bound rotator .*rotation\.binding-violation/);
    expect(lambda.requests).toEqual([]);
    expect(await rabbitLogsIn({ username: `${PREFIX}${s}`, password: 'Initial-pw-value' })).toBe(true);
  });

  it('attack: a tag naming another function is refused', async () => {
    const f = await fixture({ tags: { [CUSTOM_FUNCTION_TAG]: 'keywarden-ci-rotator-evil' } });
    await expectRefusedUntouched(f, /RotationRefusedError: .*tag keywarden:custom-function names another function/);
  });

  it('attack: a tag moving the secret to another strategy is refused', async () => {
    const f = await fixture();
    await sm.send(new TagResourceCommand({ SecretId: f.name, Tags: [{ Key: 'keywarden:strategy', Value: 'password' }] }));
    await expectRefusedUntouched(f, /RotationRefusedError: .*names another strategy than the bound engine custom/);
  });

  it('attack: a value naming a user outside the binding is refused', async () => {
    const f = await fixture();
    await createSecretValue(f.name, { username: 'guest', password: 'guest' });
    await expectRefusedUntouched(f, /RotationRefusedError: .*"username" is not a bound user/);
    expect(await rabbitLogsIn({ username: 'guest', password: 'guest' })).toBe(true);
  });

  it('attack: a custom secret nobody bound is refused before any function is invoked', async () => {
    const f = await fixture({ bind: false });
    await expectRefusedUntouched(f, /RotationRefusedError: .*custom-rotator secret with no binding/);
  });

  it('a value that is not JSON is refused with a clear error', async () => {
    const f = await fixture();
    await createSecretValue(f.name, 'not json at all');
    await expectRefusedUntouched(f, /SecretFormatError: secret broker\/\w+: the current value is not valid JSON/);
  });

  it('a value without a password is refused at createSecret', async () => {
    const f = await fixture();
    await createSecretValue(f.name, { username: f.user });
    await expectRefusedUntouched(f, /SecretFormatError: .*the current value has no field "password"/);
  });

  it('attack: the rotator itself refuses a user outside its prefix, even when invoked directly', async () => {
    const answer = await invokeBundle('rotator-rabbitmq', {
      contract: 'keywarden.custom-rotator/1',
      action: 'set',
      secretId: 'anything',
      pending: { username: 'guest', password: 'attacker-chosen' },
      current: { username: 'guest', password: 'guest' },
    });
    expect(answer).toMatchObject({ ok: false, reason: expect.stringMatching(/not one this rotator manages/) });
    expect(await rabbitLogsIn({ username: 'guest', password: 'guest' })).toBe(true);
  });

  it('attack: the rotator refuses a request of another contract and one with missing fields', async () => {
    expect(await invokeBundle('rotator-rabbitmq', { contract: 'other/9', action: 'test' })).toMatchObject({ ok: false, reason: expect.stringMatching(/not contract/) });
    expect(await invokeBundle('rotator-rabbitmq', { contract: 'keywarden.custom-rotator/1', action: 'set', pending: { username: `${PREFIX}x` } })).toMatchObject({
      ok: false,
      reason: 'the request has no pending.password',
    });
    // A binding to a key shape by mistake: an API key is never set as a RabbitMQ password.
    const keyRequest = { contract: 'keywarden.custom-rotator/1', action: 'set', shape: 'api-key', pending: { apiKey: 'kw_x', sha256: 'ab' }, current: { sha256: 'cd' } };
    expect(await invokeBundle('rotator-rabbitmq', keyRequest)).toMatchObject({ ok: false, reason: 'this rotator sets passwords only, not another shape' });
  });
});

async function createSecretValue(name: string, value: unknown): Promise<void> {
  const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: typeof value === 'string' ? value : JSON.stringify(value) }));
  await sm.send(new DescribeSecretCommand({ SecretId: name }));
}
