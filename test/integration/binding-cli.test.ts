import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { bindings, createSecret, resume, rotate, valueAt } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { localAwsEnv } from '../support/local-aws';
import { runKeywarden } from '../support/run-cli';

/**
 * `keywarden bind` as an administrator runs it, against the local AWS and a real PostgreSQL: a
 * secret that existed before bindings (plain AWS-convention JSON, no keywarden note) is refused
 * until bound, and its first rotation succeeds once bound with --from-current --yes.
 */
let cluster: PostgresCluster;
let admin: pg.Client;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  cluster?.destroy();
});

const cli = (...args: string[]) => runKeywarden(args, { ...process.env, ...localAwsEnv(), KEYWARDEN_STAGE: 'ci' });

describe('keywarden bind', () => {
  it('binds a secret that existed before bindings with --from-current: proposes without writing, writes with --yes, then its first rotation works', async () => {
    const s = uniqueSuffix();
    const user = `legacy_${s}`;
    const password = `Initial-pw-${s}-A1!`;
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    try {
      const name = `legacy/tenant-1/db-${s}`;
      const arn = await createSecret(name, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: user, password, dbname: 'postgres' }, {}, { bind: false });

      const refused = await rotate(name);
      expect(refused).toMatchObject({ ok: false, failedStep: 'createSecret' });
      expect(refused.steps.at(-1)!.error).toContain(`keywarden bind ${name} --from-current`);

      const proposed = await cli('bind', name, '--from-current', '--plaintext');
      expect(proposed.code, proposed.stderr).toBe(0);
      expect(proposed.stdout).toContain(`would bind ${name} (${arn}): PostgreSQL at 127.0.0.1:${cluster.port}/postgres, user ${user}, PLAINTEXT allowed`);
      expect(proposed.stderr).toMatch(/nothing written/);
      expect(`${proposed.stdout}${proposed.stderr}`).not.toContain(password);
      expect(await bindings().get(arn)).toBeUndefined();

      const written = await cli('--json', 'bind', name, '--from-current', '--plaintext', '--yes');
      expect(written.code, written.stderr).toBe(0);
      expect(JSON.parse(written.stdout.trim())).toMatchObject({ secretArn: arn, engine: 'postgres', mode: 'single-user', users: [user], transport: 'plaintext', written: true });
      expect(written.stdout).not.toContain(password);

      // Secrets Manager retries the refused rotation with the same token; now it completes.
      await resume(name, refused.token, 'createSecret');
      const current = await valueAt(name);
      const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: current.username, password: current.password, database: 'postgres' });
      await client.connect();
      await client.end();
      expect(current.password).not.toBe(password);

      const listed = await cli('bind', '--list');
      expect(listed.stdout).toContain(`${arn}: PostgreSQL at 127.0.0.1:${cluster.port}/postgres, user ${user}`);
      const removed = await cli('bind', name, '--remove');
      expect(removed.code, removed.stderr).toBe(0);
      expect(await bindings().get(arn)).toBeUndefined();
      expect((await cli('bind', name, '--remove')).code).toBe(3);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${user}`);
    }
  });

  it('answers bad usage with 2 and a missing secret with 3, writing nothing', async () => {
    expect((await cli('bind', 'no/such/secret', '--engine', 'postgres', '--host', 'db', '--user', 'app')).code).toBe(3);
    const s = uniqueSuffix();
    await createSecret(`legacy/usage-${s}`, { engine: 'postgres', host: 'db', username: 'app', password: `pw-${s}-A1!` }, {}, { bind: false });
    expect((await cli('bind', `legacy/usage-${s}`, '--engine', 'oracle', '--host', 'db', '--user', 'app')).code).toBe(2);
    expect((await cli('bind', `legacy/usage-${s}`, '--engine', 'postgres', '--host', 'db', '--user', 'app', '--alternating')).code).toBe(2); // no master
    expect((await cli('bind', `legacy/usage-${s}`, '--list')).code).toBe(2);
    expect(await bindings().list()).toEqual([]);
  });
});
