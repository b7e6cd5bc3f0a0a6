import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { createSecret, invokeStep, revokeThroughBundle, rotate, sm, valueAt } from '../support/db-rotation';
import { MARIADB, mariadbRoot, uniqueSuffix } from '../support/db-services';
import { runKeywarden } from '../support/run-cli';

// The rotation ledger against the attacks it exists for, through the built bundles on the local
// AWS and the machine's MariaDB: pending values someone planted with PutSecretValue (or by moving
// AWSPENDING) are never executed or promoted, and a revokePrevious the emergency function did not
// ask for is refused. Each test then asks the server and the secret that nothing changed.
let root: Connection;
const dropUsers: string[] = [];

const logsIn = async (c: { username: string; password: string }) =>
  createConnection({ ...MARIADB, user: c.username, password: c.password }).then(
    async (connection) => {
      await connection.end();
      return true;
    },
    () => false,
  );

/** What MariaDB stores for the user's password: changes if and only if its password changed. */
async function passwordHashOf(user: string): Promise<string> {
  const [rows] = await root.query('SELECT authentication_string AS hash FROM mysql.user WHERE User = ? AND Host = ?', [user, '127.0.0.1']);
  return (rows as Array<{ hash: string }>)[0]!.hash;
}

/** A MariaDB user rotated by keywarden (single user, or alternating users through a master). */
async function mariadbSecret(mode: 'single-user' | 'alternating-users'): Promise<{ name: string; user: string; password: string }> {
  const s = uniqueSuffix();
  const [user, master] = [`app_${s}`, `kwm_${s}`];
  const password = `Initial-pw-${s}-A1!`;
  dropUsers.push(`'${user}'@'127.0.0.1'`, `'${user}_clone'@'127.0.0.1'`, `'${master}'@'127.0.0.1'`);
  await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', password]);
  const value: Record<string, unknown> = { engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, username: user, password };
  if (mode === 'alternating-users') {
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [master, '127.0.0.1', `Master-pw-${s}-B2!`]);
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, '127.0.0.1']);
    value.masterarn = await createSecret(`db/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
  }
  const name = `db/tenant-1/app-${s}`;
  await createSecret(name, value, { 'keywarden:rotation': mode });
  return { name, user, password };
}

/** A generated HS256 key set, rotated once by keywarden. */
async function keySetSecret(): Promise<string> {
  const name = `app/tenant-1/signing-keys-${uniqueSuffix()}`;
  await createSecret(name, { issuer: 'https://auth.example.test' }, { 'keywarden:strategy': 'jwt-keyset', 'keywarden:jwt-alg': 'HS256' });
  expect((await rotate(name)).ok).toBe(true);
  return name;
}

/** The attacker's key set: a signing key they hold, as the active key. */
const ATTACKER_KEYS = {
  issuer: 'https://auth.example.test',
  activeKid: 'attacker',
  keys: [{ kty: 'oct', kid: 'attacker', alg: 'HS256', k: 'YXR0YWNrZXIta2V5LW1hdGVyaWFsLTMyLWJ5dGVzLWxvbmc', status: 'active', createdAt: '2026-01-01T00:00:00Z' }],
};

/** What someone allowed to PutSecretValue can do: store a value labelled AWSPENDING. */
async function plantPending(name: string, value: object, token: string = crypto.randomUUID()): Promise<string> {
  await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: JSON.stringify(value), VersionStages: ['AWSPENDING'] }));
  return token;
}

async function labels(name: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
}

async function current(name: string): Promise<{ versionId: string; value: string }> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
  return { versionId: out.VersionId!, value: out.SecretString! };
}

/** The secret's labels are as before, except that the planted version lost AWSPENDING. */
async function expectDiscarded(name: string, planted: string, before: { versionId: string; value: string }): Promise<void> {
  expect(await current(name)).toEqual(before);
  const stages = await labels(name);
  expect(stages[planted] ?? []).toEqual([]);
  expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
}

async function doctorFix(): Promise<Array<Record<string, unknown>>> {
  const run = await runKeywarden(['--json', 'doctor', '--fix']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).problems;
}

const emergency = (secretId: string) =>
  invokeEmergency({ secretId, reason: 'credential in a screenshot', requestedBy: 'oncall', requestId: `inc-${uniqueSuffix()}` }, { kind: 'local', stage: 'ci' });

beforeAll(async () => {
  root = await mariadbRoot();
});

afterEach(async () => {
  for (const user of dropUsers.splice(0)) await root.query(`DROP USER IF EXISTS ${user}`);
});

afterAll(async () => {
  await root?.end();
});

describe('pending values keywarden did not create are never executed', () => {
  it('attack: key set planted as AWSPENDING on a generated secret, then doctor --fix -> label removed, never promoted', async () => {
    const name = await keySetSecret();
    const before = await current(name);
    const planted = await plantPending(name, ATTACKER_KEYS);

    const problems = await doctorFix();

    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'stuck-rotation',
        secret: name,
        fixed: true,
        ruleId: 'rotation.untrusted-pending',
        result: expect.stringMatching(new RegExp(`^removed AWSPENDING from abandoned version ${planted} \\(keywarden did not create its value, so it was never executed: setSecret failed: RotationRefusedError: .*keywarden has no record of creating it`)),
      }),
    ]);
    await expectDiscarded(name, planted, before);
    // The next rotation starts from keywarden's key set, not the attacker's.
    expect((await rotate(name)).ok).toBe(true);
    expect((await valueAt(name)).keys).not.toContainEqual(expect.objectContaining({ kid: 'attacker' }));
  });

  it('attack: database password planted as AWSPENDING, then doctor --fix -> refused before any login, the password unchanged', async () => {
    const { name, user, password } = await mariadbSecret('single-user');
    expect((await rotate(name)).ok).toBe(true);
    const before = await current(name);
    const hash = await passwordHashOf(user);
    const attacker = { ...JSON.parse(before.value), password: `Attacker-pw-${uniqueSuffix()}-Z9!` };
    const planted = await plantPending(name, attacker);

    const problems = await doctorFix();

    expect(problems).toEqual([expect.objectContaining({ secret: name, fixed: true, ruleId: 'rotation.untrusted-pending' })]);
    await expectDiscarded(name, planted, before);
    expect(await passwordHashOf(user)).toBe(hash);
    expect(await logsIn(JSON.parse(before.value))).toBe(true);
    expect(await logsIn(attacker)).toBe(false);
    expect(await logsIn({ username: user, password })).toBe(false);
  });

  it('attack: database password planted as AWSPENDING, then an emergency rotation -> repair discards it unexecuted, the rotation uses keywarden\'s own value', async () => {
    const { name } = await mariadbSecret('single-user');
    expect((await rotate(name)).ok).toBe(true);
    const before = await current(name);
    const attacker = { ...JSON.parse(before.value), password: `Attacker-pw-${uniqueSuffix()}-Z9!` };
    const planted = await plantPending(name, attacker);

    const report = await emergency(name);

    const secret = report.secrets[0]!;
    expect(secret.untrustedPending).toEqual({ versionId: planted, ruleId: 'rotation.untrusted-pending' });
    const steps = Object.fromEntries(secret.steps.map((step) => [step.step, step]));
    expect(steps.repair).toMatchObject({ outcome: 'done', detail: expect.stringContaining('[rotation.untrusted-pending]') });
    expect(steps.rotate).toMatchObject({ outcome: 'done' });
    expect((await labels(name))[planted] ?? []).toEqual([]);
    const fresh = await valueAt(name);
    expect(fresh.password).not.toBe(attacker.password);
    expect(await logsIn(fresh)).toBe(true);
    expect(await logsIn(attacker)).toBe(false);
  });

  it('attack: key set planted as AWSPENDING, then an emergency rotation -> repair discards it, the attacker key never becomes current', async () => {
    const name = await keySetSecret();
    const planted = await plantPending(name, ATTACKER_KEYS);

    const report = await emergency(name);

    expect(report.ok, JSON.stringify(report.secrets[0]?.steps)).toBe(true);
    expect(report.secrets[0]!.untrustedPending).toEqual({ versionId: planted, ruleId: 'rotation.untrusted-pending' });
    expect((await labels(name))[planted] ?? []).toEqual([]);
    expect((await valueAt(name)).keys).not.toContainEqual(expect.objectContaining({ kid: 'attacker' }));
  });

  it("attack: value planted with the rotation's own token before createSecret stores one -> every step refused, the password unchanged", async () => {
    const { name, user } = await mariadbSecret('single-user');
    const before = await current(name);
    const hash = await passwordHashOf(user);
    const token = crypto.randomUUID();
    await rotateSecretStarter(sm, 30)(name, token);
    const attacker = { ...JSON.parse(before.value), password: `Attacker-pw-${uniqueSuffix()}-Z9!` };
    await plantPending(name, attacker, token);

    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(invokeStep({ Step: step, SecretId: name, ClientRequestToken: token }), step).rejects.toMatchObject({
        name: 'RotationRefusedError',
        rule: 'rotation.untrusted-pending',
      });
    }
    expect(await current(name)).toEqual(before);
    expect(await passwordHashOf(user)).toBe(hash);
    expect(await logsIn(attacker)).toBe(false);
    expect(await logsIn(JSON.parse(before.value))).toBe(true);
  });

  it('attack: AWSPENDING moved back onto a version keywarden finished before (a replay), then doctor --fix -> refused, AWSCURRENT unchanged', async () => {
    const name = await keySetSecret();
    const old = Object.entries(await labels(name)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    expect((await rotate(name)).ok).toBe(true);
    const before = await current(name);
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', MoveToVersionId: old, RemoveFromVersionId: before.versionId }));

    const problems = await doctorFix();

    expect(problems).toEqual([
      expect.objectContaining({ secret: name, fixed: true, ruleId: 'rotation.untrusted-pending', result: expect.stringContaining('keywarden finished this version before') }),
    ]);
    expect(await current(name)).toEqual(before);
    expect(Object.values(await labels(name)).flat()).not.toContain('AWSPENDING');
  });
});

describe('revocation comes only from the emergency path', () => {
  it('attack: revokePrevious invoked by hand on an alternating-users MariaDB secret -> refused, the previous user still logs in', async () => {
    const { name, user, password } = await mariadbSecret('alternating-users');
    const rotated = await rotate(name);
    expect(rotated.ok).toBe(true);
    const previous = { username: user, password };
    expect(await logsIn(previous)).toBe(true);
    const hash = await passwordHashOf(user);

    await expect(invokeBundle('rotate', { Action: 'revokePrevious', SecretId: name, ClientRequestToken: rotated.token })).rejects.toMatchObject({
      name: 'RotationRefusedError',
      rule: 'rotation.unauthorized-revoke',
      message: expect.stringContaining('the emergency function did not ask for it'),
    });

    expect(await logsIn(previous)).toBe(true);
    expect(await passwordHashOf(user)).toBe(hash);
    expect(await logsIn(await valueAt(name))).toBe(true);
    // The same revocation, granted as the emergency function grants it, goes through.
    expect((await revokeThroughBundle(name, rotated.token)).revoked).toBe(true);
    expect(await logsIn(previous)).toBe(false);
  });
});
