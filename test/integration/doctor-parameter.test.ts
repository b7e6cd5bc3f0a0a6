import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { parameterEmergencyDeps } from '../../cli/commands/emergency-parameter';
import { parseEmergencyRequest } from '../../shared/emergency/request';
import { runParameterEmergency, type ParameterEmergencyDeps } from '../../shared/ssm/parameter-emergency';
import { uniqueSuffix } from '../support/db-services';
import { runKeywarden } from '../support/run-cli';
import { applyAuditFunctionEnv } from '../support/local-audit-pipeline';
import { parameterHistory as history, putApiKeyParameter } from '../support/ssm-parameters';

/**
 * `keywarden doctor` and the parameter emergencies' journal (the emergency table) on the local
 * AWS: a run that died part-way is listed, and `--fix` finishes or undoes it as
 * `keywarden emergency --repair --secret <name>` does, trusting the journal and the parameter's
 * history, never what someone planted in either.
 */

const ssm = new SSMClient({});
const OLD_KEY = 'kw_0123456789abcdefghijDOCTOR0000aaaaaa';

beforeEach(() => {
  applyAuditFunctionEnv();
});

function parameter(): Promise<string> {
  return putApiKeyParameter(`/multitenant-ai-poc/tenant-1/doctor-${uniqueSuffix()}`, OLD_KEY);
}

/** An emergency whose process dies once its journal says `tested`: nothing after that reaches AWS but the lock's release. */
async function dieAfterTest(name: string): Promise<string> {
  const real = parameterEmergencyDeps('ci');
  let dead = false;
  const alive = <T>(call: () => Promise<T>): Promise<T> => (dead ? Promise.reject(new Error('the process died')) : call());
  const deps: ParameterEmergencyDeps = {
    ...real,
    store: {
      describe: (n) => alive(() => real.store.describe(n)),
      history: (n) => alive(() => real.store.history(n)),
      read: (n, v) => alive(() => real.store.read(n, v)),
      put: (n, value, key) => alive(() => real.store.put(n, value, key)),
      label: (n, v, labels) => alive(() => real.store.label(n, v, labels)),
      unlabel: (n, v, labels) => alive(() => real.store.unlabel(n, v, labels)),
    },
    journal: {
      begin: (e) => alive(() => real.journal.begin(e)),
      advance: (n, id, patch) =>
        alive(async () => {
          await real.journal.advance(n, id, patch);
          dead ||= patch.phase === 'tested';
        }),
      read: (n) => alive(() => real.journal.read(n)),
      end: (n, id) => alive(() => real.journal.end(n, id)),
    },
    publisher: { publish: (f) => alive(() => real.publisher.publish(f)) },
  };
  const requestId = `inc-${uniqueSuffix()}`;
  await runParameterEmergency(parseEmergencyRequest({ secretId: name, reason: 'key in a ticket', requestedBy: 'oncall', requestId }), name, deps).catch(() => undefined);
  return requestId;
}

describe('keywarden doctor and unfinished parameter emergencies', () => {
  it('lists an emergency that died after its test, --fix finishes it as emergency --repair does, then reports health', async () => {
    const name = await parameter();
    const dead = await dieAfterTest(name);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: [] },
    ]);

    const found = await runKeywarden(['doctor', '--stage', 'ci']);
    expect(found.code, found.stderr).toBe(1);
    expect(found.stdout).toContain(`parameter-emergency-unfinished ${name}: emergency ${dead}`);
    expect(found.stdout).toContain('stopped after version 2 passed its test, before the labels moved: version 1 (the leaked value) is still current');
    expect(found.stdout).toContain(`keywarden emergency --repair --secret ${name}`);

    const fixed = await runKeywarden(['--json', 'doctor', '--stage', 'ci', '--fix']);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    const [problem] = (JSON.parse(fixed.stdout) as { problems: Array<Record<string, unknown>> }).problems;
    expect(problem).toMatchObject({ kind: 'parameter-emergency-unfinished', secret: name, fixed: true });
    expect(String(problem!.result)).toContain(`repair done: finished the rotation of request ${dead}: version 2 is current`);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
    ]);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toBeUndefined();
    expect(fixed.stdout + fixed.stderr).not.toContain(OLD_KEY);

    const healthy = await runKeywarden(['doctor', '--stage', 'ci']);
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.stdout).toMatch(/no rotation problems found/);
  });

  it('attack: a journal entry planted for a version someone else wrote is listed, and --fix refuses it: the labels, the values and the entry stay', async () => {
    const name = await parameter();
    // Whoever may write the parameter and the emergency table: an "emergency" that tested their value.
    const planted = JSON.stringify({ apiKey: 'kw_attacker0000000000000000000000000000', partner: 'acme' });
    await ssm.send(new PutParameterCommand({ Name: name, Value: planted, Type: 'SecureString', Overwrite: true }));
    const journal = parameterEmergencyDeps('ci').journal;
    await journal.begin({ name, requestId: 'planted-1', strategy: 'api-key', fromVersion: 1, phase: 'started', startedAt: new Date().toISOString() });
    await journal.advance(name, 'planted-1', { phase: 'tested', toVersion: 2, digest: createHash('sha256').update('another value', 'utf8').digest('hex') });
    const before = await history(name);

    const fixed = await runKeywarden(['--json', 'doctor', '--stage', 'ci', '--fix']);
    expect(fixed.code).toBe(1);
    const [problem] = (JSON.parse(fixed.stdout) as { problems: Array<Record<string, unknown>> }).problems;
    expect(problem).toMatchObject({ kind: 'parameter-emergency-unfinished', secret: name, fixed: false });
    expect(String(problem!.result)).toContain('not repaired, nothing changed: version 2 holds another value than the one the run tested');
    expect(await history(name)).toEqual(before);
    expect(JSON.parse((await ssm.send(new GetParameterCommand({ Name: `${name}:1`, WithDecryption: true }))).Parameter!.Value!).apiKey).toBe(OLD_KEY);
    expect(await journal.read(name)).toMatchObject({ requestId: 'planted-1' });
    expect(fixed.stdout + fixed.stderr).not.toContain('kw_attacker');
  });
});
