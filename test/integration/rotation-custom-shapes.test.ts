import { createHash } from 'node:crypto';
import { DescribeSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { customBindingFromFlagsChecked } from '../../shared/rotation/binding-proposal';
import { generateApiKey } from '../../shared/rotation/strategies/api-key';
import { captureOutput } from '../support/capture-output';
import { bindings, createSecret, invokeStep, resume, revokeThroughBundle, rotate, rotateUntil, sm, valueAt } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { startFaultyLambda, type Fault } from '../support/faulty-lambda';
import { KeyService } from '../support/key-service';

/**
 * The custom strategy's key shapes (api-key, jwt-keyset, encryption-keyring) through the built
 * rotate bundle on the local AWS: keywarden generates the value as the generated strategy does,
 * the bound rotator (a key service in the test process, behind the same Lambda endpoint) gets
 * only what each action needs, and every failure leaves AWSCURRENT and the service's current key
 * working.
 */
const ROTATOR = 'keywarden-ci-rotator-keys';
const ROTATOR_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${ROTATOR}`;
const OTHER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-evil';

let service = new KeyService();
let lambda: Awaited<ReturnType<typeof startFaultyLambda>>;

beforeAll(async () => {
  lambda = await startFaultyLambda('ci', { [ROTATOR]: (body) => service.handler(body) });
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint, KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: '1500' });
});

afterEach(() => {
  for (const action of Object.keys(lambda.faults)) delete lambda.faults[action];
  lambda.requests.splice(0);
  service = new KeyService();
});

afterAll(async () => {
  await lambda?.close();
});

type Shape = 'api-key' | 'jwt-keyset' | 'encryption-keyring';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A custom secret of `shape` bound to the key service; an API key starts registered there. */
async function fixture(shape: Shape, options: { value?: Record<string, unknown>; tags?: Record<string, string>; bind?: boolean } = {}) {
  const s = uniqueSuffix();
  const apiKey = generateApiKey('kw');
  const initial = options.value ?? (shape === 'api-key' ? { apiKey, partner: 'acme' } : { issuer: 'orders' });
  if (shape === 'api-key') service.apiKeys.add(sha256(apiKey));
  const name = `keys/${shape}-${s}`;
  const arn = await createSecret(name, initial, { 'keywarden:strategy': 'custom', ...options.tags });
  if (options.bind !== false) await bindings().put(customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, shape }));
  return { name, arn, initial, apiKey };
}

/** The requests the rotator received, by action, without the envelope. */
function received(action: string): Array<Record<string, unknown>> {
  return lambda.requests.filter((r) => r.body.action === action).map((r) => r.body);
}

async function stagesOf(name: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
}

function failing(faults: Partial<Record<string, Fault>>): void {
  Object.assign(lambda.faults, faults);
}

describe('custom rotator, api-key shape', () => {
  it('rotates: the service learns the new key by its hash, the test uses the key, and only the key and hashes are sent', async () => {
    const f = await fixture('api-key');
    const report = await rotate(f.name);
    expect(report.failedStep, JSON.stringify(report.steps)).toBeUndefined();
    const value = await valueAt(f.name);
    expect(value.apiKey).not.toBe(f.apiKey);
    expect(value.partner).toBe('acme');
    expect(service.apiKeys.has(sha256(value.apiKey as string))).toBe(true);
    const [set] = received('set');
    expect(set).toEqual({ contract: 'keywarden.custom-rotator/1', action: 'set', shape: 'api-key', secretId: f.arn, pending: { apiKey: value.apiKey, sha256: sha256(value.apiKey as string) }, current: { sha256: sha256(f.apiKey) } });
    expect(received('test')[0]).toEqual({ contract: 'keywarden.custom-rotator/1', action: 'test', shape: 'api-key', secretId: f.arn, pending: { apiKey: value.apiKey } });
    expect(JSON.stringify(lambda.requests)).not.toContain(f.apiKey);
    expect(JSON.stringify(lambda.requests)).not.toContain('acme');
  });

  it('runs every step twice without harm, for each shape', async () => {
    for (const shape of ['api-key', 'jwt-keyset', 'encryption-keyring'] as const) {
      const f = await fixture(shape);
      const token = await rotateUntil(f.name, 'createSecret');
      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
        await invokeStep({ Step: step, SecretId: f.name, ClientRequestToken: token });
        await invokeStep({ Step: step, SecretId: f.name, ClientRequestToken: token });
      }
      expect((await stagesOf(f.name))[token], shape).toContain('AWSCURRENT');
      const value = await valueAt(f.name);
      if (shape === 'api-key') expect(service.apiKeys.has(sha256(value.apiKey as string))).toBe(true);
      if (shape === 'jwt-keyset') expect(service.jwks.has(value.activeKid as string)).toBe(true);
      if (shape === 'encryption-keyring') expect(service.dataKeys.has(value.primaryKid as string)).toBe(true);
    }
  });

  it('emergency revoke: the previous key is deleted at the service by its hash; the current one still works', async () => {
    const f = await fixture('api-key');
    const report = await rotate(f.name);
    const result = await revokeThroughBundle(f.name, report.token);
    expect(result).toMatchObject({ revoked: true });
    expect(result.detail).toContain('previous key deleted');
    expect(received('revoke')[0]).toMatchObject({ previous: { sha256: sha256(f.apiKey) } });
    expect(service.apiKeys.has(sha256(f.apiKey))).toBe(false);
    expect(service.apiKeys.has(sha256((await valueAt(f.name)).apiKey as string))).toBe(true);
    expect(JSON.stringify(received('revoke'))).not.toContain(f.apiKey);
  });
});

describe('custom rotator, jwt-keyset shape', () => {
  it('rotates: the verifier gets the public JWK by kid (no private member) and verifies a token keywarden signed with the new key', async () => {
    const f = await fixture('jwt-keyset', { tags: { 'keywarden:jwt-alg': 'ES256' } });
    expect((await rotate(f.name)).failedStep).toBeUndefined();
    const first = await valueAt(f.name);
    expect((await rotate(f.name)).failedStep).toBeUndefined();
    const value = await valueAt(f.name);
    const kid = value.activeKid as string;
    expect(service.jwks.get(kid)).toMatchObject({ kty: 'EC', kid, alg: 'ES256' });
    const set = received('set').at(-1)!;
    expect(Object.keys(set.pending as object).sort()).toEqual(['alg', 'jwk', 'kid']);
    expect(set.current).toEqual({ kid: first.activeKid });
    expect(Object.keys((set.pending as { jwk: object }).jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const test = received('test').at(-1)!;
    expect(Object.keys(test.pending as object).sort()).toEqual(['kid', 'token']);
    // No private member of any key, old or new, ever went to the rotator.
    const sent = JSON.stringify(lambda.requests);
    for (const key of value.keys as Array<{ d: string }>) expect(sent).not.toContain(key.d);
  });

  it('HS256: the verifier needs the shared secret, so the new key alone goes with set, never the old ones', async () => {
    const f = await fixture('jwt-keyset', { tags: { 'keywarden:jwt-alg': 'HS256' } });
    await rotate(f.name);
    const old = (await valueAt(f.name)).keys as Array<{ k: string }>;
    expect((await rotate(f.name)).failedStep).toBeUndefined();
    const sets = received('set');
    expect(JSON.stringify(sets.at(-1))).not.toContain(old[0]!.k);
    expect(JSON.stringify(received('test'))).not.toContain(old[0]!.k);
  });

  it('emergency revoke: the verify-only kids leave the keyset and the verifier; the active key stays', async () => {
    const f = await fixture('jwt-keyset');
    await rotate(f.name);
    const leaked = (await valueAt(f.name)).activeKid as string;
    const report = await rotate(f.name);
    const active = (await valueAt(f.name)).activeKid as string;
    const result = await revokeThroughBundle(f.name, report.token);
    expect(result.revoked).toBe(true);
    expect(received('revoke')[0]).toMatchObject({ previous: { kids: [leaked] }, current: { kid: active } });
    expect(service.jwks.has(leaked)).toBe(false);
    expect(service.jwks.has(active)).toBe(true);
    const keys = (await valueAt(f.name)).keys as Array<{ kid: string }>;
    expect(keys.map((k) => k.kid)).toEqual([active]);
  });
});

describe('custom rotator, encryption-keyring shape', () => {
  it('rotates: the service gets the new data key alone, proves it holds it by hash, and never sees the older keys', async () => {
    const f = await fixture('encryption-keyring');
    await rotate(f.name);
    const older = (await valueAt(f.name)).keys as Array<{ key: string }>;
    expect((await rotate(f.name)).failedStep).toBeUndefined();
    const value = await valueAt(f.name);
    const primary = (value.keys as Array<{ kid: string; key: string }>).find((k) => k.kid === value.primaryKid)!;
    expect(service.dataKeys.get(primary.kid)).toBe(primary.key);
    expect(received('set').at(-1)!.pending).toEqual({ kid: primary.kid, alg: 'A256GCM', key: primary.key });
    expect(received('test').at(-1)!.pending).toEqual({ kid: primary.kid, sha256: sha256(Buffer.from(primary.key, 'base64')) });
    expect(JSON.stringify(received('set').at(-1))).not.toContain(older[0]!.key);
    expect(JSON.stringify(received('test'))).not.toContain(primary.key);
  });

  it('emergency revoke: the replaced key is marked compromised in the ring and at the service', async () => {
    const f = await fixture('encryption-keyring');
    await rotate(f.name);
    const leaked = (await valueAt(f.name)).primaryKid as string;
    const report = await rotate(f.name);
    expect((await revokeThroughBundle(f.name, report.token)).revoked).toBe(true);
    expect(service.compromised).toEqual(new Set([leaked]));
    const keys = (await valueAt(f.name)).keys as Array<{ kid: string; compromised?: boolean }>;
    expect(keys.find((k) => k.kid === leaked)?.compromised).toBe(true);
  });
});

describe('custom rotator key shapes: failures leave the current key working', () => {
  const cases: Array<{ shape: Shape; action: 'set' | 'test'; fault: Fault; kind: RegExp }> = [
    { shape: 'api-key', action: 'set', fault: 'error', kind: /\(function error\)/ },
    { shape: 'api-key', action: 'test', fault: 'hang', kind: /\(timeout\)/ },
    { shape: 'jwt-keyset', action: 'set', fault: 'garbage', kind: /\(malformed response\)/ },
    { shape: 'jwt-keyset', action: 'test', fault: 'refuse-echoing', kind: /SecretTestFailedError/ },
    { shape: 'encryption-keyring', action: 'set', fault: 'refuse-echoing', kind: /\(refused\)/ },
    { shape: 'encryption-keyring', action: 'test', fault: 'error', kind: /\(function error\)/ },
  ];
  for (const { shape, action, fault, kind } of cases) {
    it(`${shape}: a rotator that fails ${action} (${fault}) fails the step, AWSCURRENT stays, a retry finishes`, async () => {
      const f = await fixture(shape);
      const before = await valueAt(f.name);
      failing({ [action]: fault });
      const { result: report, printed } = await captureOutput(() => rotate(f.name));
      expect(report!.failedStep).toBe(action === 'set' ? 'setSecret' : 'testSecret');
      expect(report!.steps.at(-1)!.error).toMatch(kind);
      expect(await valueAt(f.name)).toEqual(before);
      if (shape === 'api-key') expect(service.apiKeys.has(sha256(f.apiKey))).toBe(true);
      const pending = JSON.stringify(await valueAt(f.name, 'AWSPENDING'));
      for (const secret of [...pending.matchAll(/"(apiKey|key|d|k)":"([^"]+)"/g)].map((m) => m[2]!)) {
        expect(report!.steps.at(-1)!.error).not.toContain(secret);
        expect(printed).not.toContain(secret);
      }
      delete lambda.faults[action];
      await resume(f.name, report!.token, action === 'set' ? 'setSecret' : 'testSecret');
      expect((await stagesOf(f.name))[report!.token]).toContain('AWSCURRENT');
    });
  }
});

describe('custom rotator key shapes: refusals, nothing changed', () => {
  /** Refused at `step`; AWSCURRENT as it was, no AWSPENDING promoted, the service untouched. */
  async function refused(f: Awaited<ReturnType<typeof fixture>>, message: RegExp, step = 'createSecret') {
    const before = await valueAt(f.name);
    const known = [...service.apiKeys];
    const report = await rotate(f.name);
    expect(report.failedStep).toBe(step);
    expect(report.steps.at(-1)!.error).toMatch(message);
    expect(await valueAt(f.name)).toEqual(before);
    expect([...service.apiKeys]).toEqual(known);
    return report;
  }

  it('attack: a value claiming another shape than the binding\'s (a keyset in an api-key secret, an API key in a keyring, a "shape" field) is refused before the rotator is asked', async () => {
    const keyset = await fixture('api-key', { value: { activeKid: 'k1', keys: [] } });
    await refused(keyset, /binding-violation|"activeKid", a field of the jwt-keyset shape/);
    const apiKey = await fixture('encryption-keyring', { value: { apiKey: generateApiKey('kw') } });
    await refused(apiKey, /"apiKey", a field of the api-key shape/);
    const password = await fixture('jwt-keyset', { value: { username: 'admin', password: 'hunter2-hunter2' } });
    await refused(password, /"password", a field of the password shape/);
    const named = await fixture('api-key', { value: { apiKey: generateApiKey('kw'), shape: 'password' } });
    await refused(named, /"shape" names another shape than the bound api-key/);
    expect(lambda.requests).toEqual([]);
  });

  it('attack: a value naming another function is refused, and neither function is invoked', async () => {
    const f = await fixture('api-key', { value: { apiKey: generateApiKey('kw'), functionArn: OTHER_ARN } });
    await refused(f, /names another function than the bound rotator/);
    expect(lambda.requests).toEqual([]);
  });

  it('attack: a rotator answering with something unexpected (the key echoed back, another shape, "revoked" to set) fails the step and nothing is promoted', async () => {
    for (const fault of ['echo-field', 'other-shape', 'revoked-on-set'] as const) {
      const f = await fixture('api-key');
      failing({ set: fault });
      const report = await refused(f, /\(malformed response\)/, 'setSecret');
      expect(report.steps.at(-1)!.error).not.toContain((await valueAt(f.name, 'AWSPENDING')).apiKey as string);
      delete lambda.faults.set;
    }
  });

  it('a value that is not JSON, and a key secret nobody bound, are refused with a clear error', async () => {
    const notJson = await fixture('api-key');
    await sm.send(new PutSecretValueCommand({ SecretId: notJson.name, SecretString: 'kw_not_json' }));
    const report = await rotate(notJson.name);
    expect(report.failedStep).toBe('createSecret');
    expect(report.steps[0]!.error).toMatch(/SecretFormatError: .*the current value is not valid JSON/);
    const unbound = await fixture('jwt-keyset', { bind: false });
    await refused(unbound, /no binding/);
    expect(lambda.requests).toEqual([]);
  });

  it('bind refuses a user or alternating users for a key shape, and an unknown shape', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keys/x-AbCdEf';
    expect(() => customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, shape: 'api-key', user: 'orders' })).toThrow(/users are for passwords/);
    expect(() => customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, shape: 'jwt-keyset', alternating: true })).toThrow(/users are for passwords/);
    expect(() => customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, shape: 'postgres' })).toThrow(/shape other than password, api-key, jwt-keyset, encryption-keyring/);
  });
});
