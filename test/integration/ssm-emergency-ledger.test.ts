import { AddTagsToResourceCommand, GetParameterCommand, LabelParameterVersionCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { parameterEmergencyDeps } from '../../cli/commands/emergency-parameter';
import { dynamoDb } from '../../shared/aws/clients';
import { DynamoDbEmergencyLedger } from '../../shared/aws/dynamodb-emergency-ledger';
import { emergencyTableName } from '../../shared/emergency/settings';
import { parseEmergencyRequest } from '../../shared/emergency/request';
import type { EmergencyReport } from '../../shared/emergency/report';
import { repairParameterEmergency, runParameterEmergency, type ParameterEmergencyDeps } from '../../shared/ssm/parameter-emergency';
import type { ParameterStore } from '../../shared/ssm/parameter-store';
import { uniqueSuffix } from '../support/db-services';
import { runKeywarden } from '../support/run-cli';
import { applyAuditFunctionEnv } from '../support/local-audit-pipeline';
import { parameterHistory as history, putApiKeyParameter } from '../support/ssm-parameters';

/**
 * The parameter emergency's guarantees on the local AWS (Parameter Store and the emergency table
 * in DynamoDB): one emergency at a time per parameter, a run that dies between two writes repaired
 * from its journal (by the next emergency or `keywarden emergency --repair`), and repairs that
 * trust the journal and the history, never a label or tag someone planted meanwhile.
 */
const ssm = new SSMClient({});
const OLD_KEY = 'kw_0123456789abcdefghijABCDEFGHIJ0aaaaaa';

beforeEach(() => {
  applyAuditFunctionEnv();
});

function parameter(): Promise<string> {
  return putApiKeyParameter(`/multitenant-ai-poc/tenant-1/ledger-${uniqueSuffix()}`, OLD_KEY);
}

async function apiKeyAt(selector: string): Promise<string> {
  return JSON.parse((await ssm.send(new GetParameterCommand({ Name: selector, WithDecryption: true }))).Parameter!.Value!).apiKey;
}

function request(requestId = `inc-${uniqueSuffix()}`) {
  return parseEmergencyRequest({ secretId: '/x', reason: 'key in a ticket', requestedBy: 'oncall', requestId });
}

/** Where a run dies: after this store or journal call returns, every later call of the run fails. */
type DeathPoint = 'put' | 'advance:written' | 'advance:tested' | 'label:current' | 'advance:rotated';

/** The real adapters, with a process that dies at `point`: nothing after it reaches AWS. */
function dyingDeps(point: DeathPoint): ParameterEmergencyDeps {
  const real = parameterEmergencyDeps('ci');
  let dead = false;
  const check = () => {
    if (dead) throw new Error('the process died');
  };
  const store: ParameterStore = {
    describe: (n) => (check(), real.store.describe(n)),
    history: (n) => (check(), real.store.history(n)),
    read: (n, v) => (check(), real.store.read(n, v)),
    put: async (n, value, key) => {
      check();
      const version = await real.store.put(n, value, key);
      dead ||= point === 'put';
      return version;
    },
    label: async (n, v, labels) => {
      check();
      await real.store.label(n, v, labels);
      dead ||= point === 'label:current' && labels.includes('current');
    },
    unlabel: (n, v, labels) => (check(), real.store.unlabel(n, v, labels)),
  };
  const journal: ParameterEmergencyDeps['journal'] = {
    begin: (e) => (check(), real.journal.begin(e)),
    advance: async (n, id, patch) => {
      check();
      await real.journal.advance(n, id, patch);
      dead ||= point === `advance:${patch.phase}`;
    },
    read: (n) => (check(), real.journal.read(n)),
    end: (n, id) => (check(), real.journal.end(n, id)),
  };
  const ledger: ParameterEmergencyDeps['ledger'] = {
    claimRequest: (...a) => (check(), real.ledger.claimRequest(...a)),
    finishRequest: (...a) => (check(), real.ledger.finishRequest(...a)),
    lockSecret: (...a) => (check(), real.ledger.lockSecret(...a)),
    releaseSecret: (...a) => (check(), real.ledger.releaseSecret(...a)),
  };
  const publisher = { publish: async (f: never[]) => (check(), real.publisher.publish(f)) };
  return { ...real, store, journal, ledger, publisher: publisher as never };
}

/** The adapters of an operator who comes back after the dead run's lock (20 minutes) ran out. */
function laterDeps(): ParameterEmergencyDeps {
  const real = parameterEmergencyDeps('ci');
  return { ...real, ledger: new DynamoDbEmergencyLedger(dynamoDb(), emergencyTableName('ci'), () => Math.floor(Date.now() / 1000) + 21 * 60) };
}

async function dieAt(name: string, point: DeathPoint): Promise<string> {
  const req = request();
  await runParameterEmergency(req, name, dyingDeps(point)).catch(() => undefined);
  return req.requestId;
}

function stepsOf(report: EmergencyReport): Array<[string, string]> {
  return report.secrets[0]!.steps.map((s) => [s.step, s.outcome]);
}

describe('one emergency at a time on a parameter', () => {
  it('two concurrent emergencies: one rotates, the other is skipped at the lock; one new version, never two', async () => {
    const name = await parameter();
    const deps = parameterEmergencyDeps('ci');
    const reports = await Promise.all([runParameterEmergency(request(), name, deps), runParameterEmergency(request(), name, deps)]);
    const rotated = reports.filter((r) => stepsOf(r).some(([step, outcome]) => step === 'rotate' && outcome === 'done'));
    const skipped = reports.filter((r) => stepsOf(r)[0]![1] === 'skipped');
    expect(rotated).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.secrets[0]!.steps[0]!.detail).toContain(`request ${rotated[0]!.requestId} is rotating this parameter`);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
    ]);
  });

  it('the same request id twice runs once and returns the first report', async () => {
    const name = await parameter();
    const req = request();
    const first = await runParameterEmergency(req, name, parameterEmergencyDeps('ci'));
    const again = await runParameterEmergency(req, name, parameterEmergencyDeps('ci'));
    expect(again.replayed).toBe(true);
    expect(again.secrets).toEqual(first.secrets);
    expect((await history(name)).length).toBe(2);
  });
});

describe('a run that dies part-way is repaired from its journal', () => {
  it('died after writing the new version: the next emergency puts the old value back first, then rotates and revokes', async () => {
    const name = await parameter();
    await dieAt(name, 'put');
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: [] },
    ]);
    const report = await runParameterEmergency(request(), name, laterDeps());
    expect(stepsOf(report).slice(0, 4)).toEqual([
      ['lock', 'done'],
      ['repair', 'done'],
      ['rotate', 'done'],
      ['revoke', 'done'],
    ]);
    expect(report.secrets[0]!.steps[1]!.detail).toContain('the value of version 1 written again as version 3');
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: [] },
      { version: 3, labels: [] },
      { version: 4, labels: ['current'] },
    ]);
    expect(await apiKeyAt(name)).not.toBe(OLD_KEY);
    expect(await apiKeyAt(`${name}:3`)).toBe(OLD_KEY);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toBeUndefined();
  });

  it('died after writing, on a parameter rotated before: the untested newest version does not stop the next emergency, whose repair undoes it', async () => {
    const name = await parameter();
    expect((await runParameterEmergency(request(), name, parameterEmergencyDeps('ci'))).ok).toBe(true);
    const leaked = await apiKeyAt(`${name}:current`);
    await dieAt(name, 'put');
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
      { version: 3, labels: [] },
    ]);
    const report = await runParameterEmergency(request(), name, laterDeps());
    expect(report.ok, JSON.stringify(report.secrets[0]!.steps)).toBe(true);
    expect(report.secrets[0]!.steps[1]!.detail).toContain('the value of version 2 written again as version 4');
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: [] },
      { version: 3, labels: [] },
      { version: 4, labels: [] },
      { version: 5, labels: ['current'] },
    ]);
    expect(await apiKeyAt(name)).not.toBe(leaked);
  });

  it('died after the test passed, before any label moved: keywarden emergency --repair moves the labels and revokes', async () => {
    const name = await parameter();
    const dead = await dieAt(name, 'advance:tested');
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: [] },
    ]);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toMatchObject({ requestId: dead, phase: 'tested', fromVersion: 1, toVersion: 2 });
    const step = await repairParameterEmergency(name, `repair-${uniqueSuffix()}`, laterDeps());
    expect(step).toMatchObject({ step: 'repair', outcome: 'done' });
    expect(step.detail).toContain(`finished the rotation of request ${dead}: version 2 is current`);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
    ]);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toBeUndefined();
  });

  it('died after the labels moved: the CLI repair (a separate process) revokes only the version the run replaced', async () => {
    const name = await parameter();
    await dieAt(name, 'label:current');
    expect(await history(name)).toEqual([
      { version: 1, labels: ['previous'] },
      { version: 2, labels: ['current'] },
    ]);
    // The dead run's lock has to run out first: the CLI is refused until it does.
    const locked = await runKeywarden(['emergency', '--stage', 'ci', '--repair', '--secret', name]);
    expect(locked.stdout).toMatch(/holds the lock/);
    // Twenty minutes later the lock is anyone's: an operator's run takes it over and lets it go.
    const later = laterDeps().ledger;
    await later.lockSecret(`parameter:${name}`, 'operator-later', 60);
    await later.releaseSecret(`parameter:${name}`, 'operator-later');
    const run = await runKeywarden(['emergency', '--stage', 'ci', '--repair', '--secret', name]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/repair\s+done/);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
    ]);
    expect(run.stdout + run.stderr).not.toContain(OLD_KEY);
  });

  it('nothing to repair: a repair says so and changes nothing', async () => {
    const name = await parameter();
    const step = await repairParameterEmergency(name, `repair-${uniqueSuffix()}`, parameterEmergencyDeps('ci'));
    expect(step).toMatchObject({ step: 'repair', outcome: 'skipped', detail: 'no run died part-way' });
    expect(await history(name)).toEqual([{ version: 1, labels: [] }]);
  });
});

describe('repairs trust the journal and the history, not what a writer planted', () => {
  it('attack: a current label planted on the untested version is moved back, and the old value is restored as the newest', async () => {
    const name = await parameter();
    await dieAt(name, 'put');
    await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 2, Labels: ['current'] }));
    const step = await repairParameterEmergency(name, `repair-${uniqueSuffix()}`, laterDeps());
    expect(step.outcome).toBe('done');
    expect(step.detail).toContain('current moved back to version 1 from untested version 2');
    expect(await history(name)).toEqual([
      { version: 1, labels: ['current'] },
      { version: 2, labels: [] },
      { version: 3, labels: [] },
    ]);
    expect(await apiKeyAt(`${name}:current`)).toBe(OLD_KEY);
    expect(await apiKeyAt(name)).toBe(OLD_KEY);
  });

  it('attack: a strategy tag changed since the run died is refused; nothing changes and the journal stays', async () => {
    const name = await parameter();
    const dead = await dieAt(name, 'advance:tested');
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: 'keywarden:strategy', Value: 'password' }] }));
    const before = await history(name);
    const step = await repairParameterEmergency(name, `repair-${uniqueSuffix()}`, laterDeps());
    expect(step.outcome).toBe('failed');
    expect(step.detail).toMatch(/not repaired, nothing changed: its keywarden:strategy tag says "password", not api-key/);
    expect(await history(name)).toEqual(before);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toMatchObject({ requestId: dead });
  });

  it('attack: a previous label moved off the replaced version is refused; the leaked version is not the one revoked', async () => {
    const name = await parameter();
    await dieAt(name, 'advance:rotated');
    // Whoever may label versions moves `previous` onto the new value, hoping the repair revokes it.
    await ssm.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: 2, Labels: ['previous'] }));
    const step = await repairParameterEmergency(name, `repair-${uniqueSuffix()}`, laterDeps());
    expect(step.outcome).toBe('failed');
    expect(step.detail).toMatch(/previous label is on version 2, not on version 1 that the rotation replaced; nothing revoked/);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current', 'previous'] },
    ]);
    expect(await parameterEmergencyDeps('ci').journal.read(name)).toBeDefined();
  });

  it('attack: an emergency on a parameter whose dead run cannot be repaired rotates nothing over it', async () => {
    const name = await parameter();
    await dieAt(name, 'advance:tested');
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: 'keywarden:strategy', Value: 'jwt-keyset' }] }));
    const before = await history(name);
    const report = await runParameterEmergency(request(), name, laterDeps());
    expect(stepsOf(report).slice(0, 4)).toEqual([
      ['lock', 'done'],
      ['repair', 'failed'],
      ['rotate', 'skipped'],
      ['revoke', 'skipped'],
    ]);
    expect(report.ok).toBe(false);
    expect(await history(name)).toEqual(before);
  });
});

describe('keywarden rotate on a parameter: a failure at each step leaves the current value working', () => {
  /** The real store, with one call failing once, as a throttled or denied call would. */
  function failingOnce(call: 'put' | 'read-back' | 'label-current'): ParameterEmergencyDeps {
    const real = parameterEmergencyDeps('ci');
    let failed = false;
    const fail = (when: boolean) => {
      if (when && !failed) {
        failed = true;
        throw new Error(`AccessDeniedException: ${call} refused`);
      }
    };
    let reads = 0;
    return {
      ...real,
      store: {
        ...real.store,
        describe: (n) => real.store.describe(n),
        history: (n) => real.store.history(n),
        unlabel: (n, v, l) => real.store.unlabel(n, v, l),
        put: async (n, value, key) => (fail(call === 'put'), real.store.put(n, value, key)),
        // The first read is the current value, the second the read-back of the written version.
        read: async (n, v) => ((reads += 1), fail(call === 'read-back' && reads === 2), real.store.read(n, v)),
        label: async (n, v, labels) => (fail(call === 'label-current' && labels.includes('current')), real.store.label(n, v, labels)),
      },
    };
  }

  for (const call of ['put', 'read-back', 'label-current'] as const) {
    it(`fails at ${call}: current and the bare name still read the old key, and the next rotation completes`, async () => {
      const name = await parameter();
      const { rotateParameter } = await import('../../shared/ssm/parameter-rotation');
      const failed = await rotateParameter(name, failingOnce(call));
      expect(failed.ok).toBe(false);
      expect(failed.error).toContain(`${call} refused`);
      expect(await apiKeyAt(name)).toBe(OLD_KEY);
      const labels = (await history(name)).flatMap((v) => v.labels);
      if (labels.includes('current')) expect(await apiKeyAt(`${name}:current`)).toBe(OLD_KEY);
      const again = await rotateParameter(name, parameterEmergencyDeps('ci'));
      expect(again.ok, again.error).toBe(true);
      expect(await apiKeyAt(`${name}:current`)).not.toBe(OLD_KEY);
      expect(await apiKeyAt(name)).toBe(await apiKeyAt(`${name}:current`));
    });
  }

  it('a keyset parameter missing its keys\' fields is refused before anything is written', async () => {
    const name = `/multitenant-ai-poc/tenant-1/keyset-${uniqueSuffix()}`;
    await ssm.send(new PutParameterCommand({ Name: name, Value: JSON.stringify({ activeKid: 'a', keys: [{ kid: 'a' }] }), Type: 'SecureString', Tags: [{ Key: 'keywarden:strategy', Value: 'jwt-keyset' }] }));
    const { rotateParameter } = await import('../../shared/ssm/parameter-rotation');
    const report = await rotateParameter(name, parameterEmergencyDeps('ci'));
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/SecretFormatError: .*keys\[0\]/);
    expect(await history(name)).toEqual([{ version: 1, labels: [] }]);
  });
});
