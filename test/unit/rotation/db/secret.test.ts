import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../../../../shared/errors';
import { parseDbSecret, parseMasterSecret, withFields } from '../../../../shared/rotation/db/secret';

const where = { secretName: 'app/tenant-1/db', label: 'current' } as const;
const CANARY = 'CANARY-db-pw-77';

describe('parseDbSecret', () => {
  it('reads AWS\'s database secret JSON, with the port as a number or a string and ssl as a flag', () => {
    const secret = parseDbSecret(JSON.stringify({ engine: 'postgres', host: 'db', port: '5433', username: 'app', password: CANARY, dbname: 'orders', ssl: 'true', note: 'kept' }), where);
    expect(secret).toMatchObject({ engine: 'postgres', host: 'db', port: 5433, username: 'app', dbname: 'orders', ssl: true });
    expect(parseDbSecret(JSON.stringify({ host: 'db', username: 'a', password: 'b' }), where)).toMatchObject({ port: undefined, ssl: false, masterarn: undefined });
    expect(JSON.parse(withFields(secret, { password: 'new' }))).toMatchObject({ note: 'kept', password: 'new', port: '5433' });
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
