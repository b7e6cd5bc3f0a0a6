import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { createSecret, rotate, rotateUntil, sm, valueAt } from '../support/db-rotation';
import { postgresLogsIn, uniqueSuffix } from '../support/db-services';
import { runKeywarden } from '../support/run-cli';

// A single-user rotation stuck after setSecret (testSecret or finishSecret failed or timed out):
// the database already holds the pending password, so the stuck version is the only one that
// logs in. Repair must finish that rotation, not discard it, through the built bundles against a
// real PostgreSQL.
let cluster: PostgresCluster;
let admin: pg.Client;
const roles: string[] = [];

const logsIn = (user: { username: string; password: string }): Promise<boolean> => postgresLogsIn(cluster.port, user);

/** A single-user PostgreSQL secret whose rotation stopped after setSecret; its name and token. */
async function stuckAfterSetSecret(): Promise<{ name: string; token: string }> {
  const s = uniqueSuffix();
  const user = `app_${s}`;
  roles.push(user);
  await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'Initial-pw-${s}-A1!'`);
  const name = `multitenant-ai-poc/tenant-1/db-${s}`;
  await createSecret(name, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: user, password: `Initial-pw-${s}-A1!`, dbname: 'postgres' }, {
    'keywarden:rotation': 'single-user',
  });
  const token = await rotateUntil(name, 'testSecret');
  // The lockout: the database took the pending password, AWSCURRENT still holds the old one.
  expect(await logsIn(await valueAt(name))).toBe(false);
  expect(await logsIn(await valueAt(name, 'AWSPENDING'))).toBe(true);
  return { name, token };
}

async function stagesOf(name: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages!;
}

beforeAll(async () => {
  cluster = await startPostgresCluster();
  admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  await admin.connect();
});

afterEach(async () => {
  for (const role of roles.splice(0)) await admin.query(`DROP ROLE IF EXISTS ${role}`);
});

afterAll(async () => {
  await admin?.end();
  cluster?.destroy();
});

describe('repairing a single-user database rotation stuck after setSecret', () => {
  it('keywarden doctor --fix finishes it: AWSCURRENT logs in, and the next rotation works', async () => {
    const { name, token } = await stuckAfterSetSecret();

    const fixed = await runKeywarden(['--json', 'doctor', '--fix']);

    expect(fixed.code, fixed.stderr).toBe(0);
    expect(await logsIn(await valueAt(name))).toBe(true);
    expect((await stagesOf(name))[token]).toContain('AWSCURRENT');
    expect(JSON.parse(fixed.stdout).problems).toEqual([
      expect.objectContaining({ kind: 'stuck-rotation', secret: name, fixed: true, result: `finished the stuck rotation: version ${token} is AWSCURRENT` }),
    ]);

    expect((await rotate(name)).ok).toBe(true);
    expect(await logsIn(await valueAt(name))).toBe(true);
  });

  it('the emergency runbook finishes it before rotating, so the emergency rotation can log in', async () => {
    const { name, token } = await stuckAfterSetSecret();

    const report = await invokeEmergency({ secretId: name, reason: 'password in a screenshot', requestedBy: 'oncall', requestId: `inc-${token}` }, { kind: 'local', stage: 'ci' });

    expect(await logsIn(await valueAt(name))).toBe(true);
    expect(report.ok, JSON.stringify(report.secrets[0]?.steps)).toBe(true);
    const steps = Object.fromEntries(report.secrets[0]!.steps.map((step) => [step.step, step]));
    expect(steps.repair).toMatchObject({ outcome: 'done', detail: `finished the stuck rotation: version ${token} is AWSCURRENT` });
    // Finished, then replaced by the emergency rotation.
    expect((await stagesOf(name))[token]).toEqual(['AWSPREVIOUS']);
  });
});
