import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../../../../shared/errors';
import { parseDbSecret, parseMasterSecret } from '../../../../shared/rotation/db/secret';
import { withOwnedFields } from '../../../../shared/rotation/values/json-secret';

const where = { secretName: 'app/tenant-1/db', label: 'current' } as const;
const CANARY = 'CANARY-db-pw-77';

describe('parseDbSecret', () => {
  it('reads AWS\'s database secret JSON, with the port as a number or a string and ssl as a flag', () => {
    const secret = parseDbSecret(JSON.stringify({ engine: 'postgres', host: 'db', port: '5433', username: 'app', password: CANARY, dbname: 'orders', ssl: 'true', note: 'kept' }), where);
    expect(secret).toMatchObject({ engine: 'postgres', host: 'db', port: 5433, username: 'app', dbname: 'orders', ssl: true });
    expect(parseDbSecret(JSON.stringify({ host: 'db', username: 'a', password: 'b' }), where)).toMatchObject({ port: undefined, ssl: false, masterarn: undefined });
    expect(JSON.parse(withOwnedFields(secret, { password: 'new' }))).toMatchObject({ note: 'kept', password: 'new', port: '5433' });
  });

  it('keeps the exact text of the fields it does not own: a big integer, 1.0, escapes, order', () => {
    const value = '{ "engine":"postgres", "host":"db", "username":"app", "password":"old", "shard": 12345678901234567890, "weight": 1.0, "city": "Z\\u00fcrich" }';
    const rewritten = withOwnedFields(parseDbSecret(value, where), { password: 'new', 'keywarden:rotatedFrom': { versionId: 'v1' } });
    expect(rewritten).toBe('{ "engine":"postgres", "host":"db", "username":"app", "password":"new", "shard": 12345678901234567890, "weight": 1.0, "city": "Z\\u00fcrich","keywarden:rotatedFrom":{"versionId":"v1"} }');
  });

  it('attack: duplicate "host" keys are refused, so consumers and keywarden cannot be shown different hosts', () => {
    const value = `{"engine":"postgres","host":"db.internal","username":"app","password":"${CANARY}","host":"attacker.example"}`;
    const error = (() => {
      try {
        parseDbSecret(value, where);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('parseDbSecret accepted a value with "host" twice');
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toBe('secret app/tenant-1/db: the current value has key "host" twice; JSON readers disagree on which one counts, so keywarden refuses it');
  });

  it.each([
    [{ username: 'a', password: CANARY }, 'has no field "host"'],
    [{ host: 'db', password: CANARY }, 'has no field "username"'],
    [{ host: 'db', username: 'a' }, 'has no field "password"'],
    [{ host: 'db', username: 'a', password: CANARY, port: 70000 }, 'not a TCP port'],
    [{ host: 'db', username: 'a', password: CANARY, ssl: 'maybe' }, 'neither true nor false'],
    [{ host: 'db', username: 7, password: CANARY }, 'field "username" of type number'],
  ])('refuses %j, naming the problem and never the value', (value, problem) => {
    let error: unknown;
    try {
      parseDbSecret(JSON.stringify(value), where);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SecretFormatError);
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toContain('app/tenant-1/db');
    expect((error as Error).message).not.toContain(CANARY);
  });
});

describe('parseMasterSecret', () => {
  it('needs only a username and a password', () => {
    expect(parseMasterSecret(JSON.stringify({ username: 'admin', password: CANARY, engine: 'postgres' }), 'master')).toEqual({ username: 'admin', password: CANARY });
    expect(() => parseMasterSecret(JSON.stringify({ username: 'admin' }), 'master')).toThrow(/has no string field "password", which a master secret needs/);
  });
});
