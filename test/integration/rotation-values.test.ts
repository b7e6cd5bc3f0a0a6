import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readJsonObject, type JsonObjectSource } from '../../shared/json-object-text';
import { bindings, rotate, sm } from '../support/db-rotation';
import { MARIADB, mariadbRoot, uniqueSuffix } from '../support/db-services';

/**
 * Values round-trip exactly, through the BUILT rotate bundle on the local AWS: every field a
 * strategy does not own keeps its exact JSON text (a big integer, 1.0, unicode escapes, spacing,
 * key order), for a generated secret and a database secret; a value with a key twice is refused.
 */

/** Unowned members with odd formatting; spliced into each secret's own fields. */
const UNOWNED = '"shard" :  12345678901234567890,\n  "ratio": 1.0,\n  "city": "Z\\u00fcrich \\ud83d\\ude00",\n  "limits": {"b": 2.50, "a": [1E3, -0.0]}';

let root: Connection;
const cleanup: string[] = [];

beforeAll(async () => {
  root = await mariadbRoot();
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '3000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

afterEach(async () => {
  for (const sql of cleanup.splice(0)) await root.query(sql).catch(() => undefined);
});

afterAll(async () => {
  await root?.end();
});

/** Creates a secret from exact text (JSON.stringify would normalise what the test is about). */
async function createSecretText(name: string, text: string, tags: Record<string, string>): Promise<string> {
  const all = { 'keywarden:stage': 'ci', ...tags };
  const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: text, Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }));
  return out.ARN!;
}

/**
 * The one place this file creates a database secret, bound by an administrator to the MariaDB
 * user it names (built here, not read from the text, which may be hostile).
 */
async function createDatabaseSecret(name: string, text: string, username: string): Promise<string> {
  const arn = await createSecretText(name, text, {});
  await bindings().put({ secretArn: arn, engine: 'mysql', host: '127.0.0.1', port: MARIADB.port, mode: 'single-user', users: [username], transport: 'plaintext' });
  return arn;
}

/** A MariaDB user that may change its own password, and the exact text of its secret. */
async function mariadbUser() {
  const s = uniqueSuffix();
  const user = `kwv_${s}`;
  const password = `Initial-pw-${s}-A1!`;
  for (const host of ['127.0.0.1', 'localhost']) {
    cleanup.push(`DROP USER IF EXISTS '${user}'@'${host}'`);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
  }
  const text = `{\n  "engine": "mariadb",\n  "host": "127.0.0.1",\n  "port": ${MARIADB.port},\n  "username": "${user}",\n  "password": "${password}",\n  ${UNOWNED}\n}`;
  return { s, user, password, text };
}

async function currentText(name: string): Promise<string> {
  return (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }))).SecretString!;
}

function sourceOf(text: string): JsonObjectSource {
  const reading = readJsonObject(text);
  if (!reading.ok) throw new Error(`not a JSON object: ${reading.problem}`);
  return reading.source;
}

/** [key, exact text] of every member the strategy does not own, in order. */
function unowned(text: string, owned: readonly string[]): Array<[string, string]> {
  return sourceOf(text)
    .members.filter((member) => !owned.includes(member.key))
    .map((member) => [member.key, member.raw]);
}

const logsIn = (user: string, password: string) =>
  createConnection({ ...MARIADB, user, password }).then(
    async (connection) => {
      await connection.end();
      return true;
    },
    () => false,
  );

describe('values round-trip exactly through the built rotate bundle', () => {
  it('a generated (api-key) secret keeps the exact text of the fields it does not own', async () => {
    const name = `app/tenant-1/values-api-key-${uniqueSuffix()}`;
    const text = `{\n  "service": "billing",\n  ${UNOWNED}\n}`;
    await createSecretText(name, text, { 'keywarden:strategy': 'api-key' });
    for (let i = 0; i < 2; i += 1) expect(await rotate(name)).toMatchObject({ ok: true });
    const after = await currentText(name);
    const owned = ['apiKey', 'fingerprint', 'createdAt', 'keywarden:rotatedFrom'];
    expect(unowned(after, owned)).toEqual(unowned(text, owned));
    expect(after).toContain('"shard" :  12345678901234567890,\n  "ratio": 1.0,\n  "city": "Z\\u00fcrich \\ud83d\\ude00"');
    expect(JSON.parse(after).apiKey).toMatch(/^kw_/);
  });

  it('a database (mariadb single-user) secret keeps the exact text of the fields it does not own, and its new password logs in', async () => {
    const user = await mariadbUser();
    const name = `db/values-${user.s}`;
    await createDatabaseSecret(name, user.text, user.user);
    expect(await rotate(name)).toMatchObject({ ok: true });
    const after = await currentText(name);
    const owned = ['password', 'keywarden:rotatedFrom'];
    expect(unowned(after, owned)).toEqual(unowned(user.text, owned));
    expect(after).toContain('"shard" :  12345678901234567890,');
    const password = JSON.parse(after).password as string;
    expect(password).not.toBe(user.password);
    expect(await logsIn(user.user, password)).toBe(true);
  });

  it('attack: duplicate "host" keys are refused (consumers would read one host, keywarden another); no pending value, the password unchanged', async () => {
    const user = await mariadbUser();
    const name = `db/values-dup-${user.s}`;
    const duplicated = user.text.replace('"host": "127.0.0.1",', '"host": "127.0.0.1",\n  "host": "198.51.100.7",');
    await createDatabaseSecret(name, duplicated, user.user);
    const report = await rotate(name);
    expect(report.ok).toBe(false);
    expect(report.failedStep).toBe('createSecret');
    expect(report.steps.at(-1)?.error).toContain('has key "host" twice');
    // Nothing changed: the only value is the one created, and the server still takes its password.
    const versions = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
    const withValue = await Promise.all(
      Object.keys(versions).map((id) => sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: id })).then((v) => v.SecretString, () => undefined)),
    );
    expect(withValue.filter((value) => value !== undefined && value !== duplicated)).toEqual([]);
    expect(await currentText(name)).toBe(duplicated);
    expect(await logsIn(user.user, user.password)).toBe(true);
  });
});
