import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../../../shared/errors';
import { databaseError, scrub } from '../../../../shared/rotation/db/database-error';

const withFields = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('databaseError', () => {
  it.each([
    ['postgres', withFields('password authentication failed for user "app"', { code: '28P01' }), 'authentication'],
    ['postgres', withFields('permission denied to create role', { code: '42501' }), 'permission'],
    ['postgres', withFields('canceling statement due to statement timeout', { code: '57014' }), 'timeout'],
    ['postgres', withFields('terminating connection due to administrator command', { code: '57P01' }), 'network'],
    ['postgres', withFields('The server does not support SSL connections', {}), 'tls'],
    ['postgres', withFields('Connection terminated due to connection timeout', {}), 'timeout'],
    ['postgres', withFields('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }), 'network'],
    ['postgres', withFields('self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'tls'],
    ['mysql', withFields("Access denied for user 'app'@'10.0.0.1' (using password: YES)", { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }), 'authentication'],
    ['mysql', withFields('Access denied; you need (at least one of) the CREATE USER privilege(s)', { errno: 1227 }), 'permission'],
    ['mysql', withFields('Query execution was interrupted (max_statement_time exceeded)', { errno: 1969 }), 'timeout'],
    ['mysql', withFields('Server does not support secure connection', { code: 'HANDSHAKE_NO_SSL_SUPPORT' }), 'tls'],
    ['mysql', withFields('connect ETIMEDOUT', { code: 'ETIMEDOUT' }), 'timeout'],
    ['mysql', withFields('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST' }), 'network'],
    ['redis', withFields('WRONGPASS invalid username-password pair or user is disabled.', {}), 'authentication'],
    ['redis', withFields("NOPERM this user has no permissions to run the 'acl|setuser' command", {}), 'permission'],
    ['redis', withFields('no reply within 10000 ms', { code: 'KW_TIMEOUT' }), 'timeout'],
    ['redis', withFields('ERR syntax error', {}), 'other'],
  ] as const)('%s: classifies %s as %s, keeping the server\'s words', (engine, error, kind) => {
    const out = databaseError(engine, 'logging in as app at db:1', error, []);
    expect(out).toBeInstanceOf(DatabaseError);
    expect(out.kind).toBe(kind);
    expect(out.message).toContain(error.message);
    expect(out.message).toMatch(new RegExp(`^${engine}: logging in as app at db:1 failed \\(${kind}`));
  });

  it('uses the MySQL error number as the code, and the SQLSTATE for PostgreSQL', () => {
    expect(databaseError('mysql', 'x', withFields('Access denied', { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }), []).code).toBe('1045');
    expect(databaseError('postgres', 'x', withFields('denied', { code: '42501' }), []).code).toBe('42501');
  });

  it('scrubs every secret from the message and never attaches the driver error, which may hold the statement', () => {
    const password = 'S3cret-Pa55word!';
    const driverError = withFields(`You have an error in your SQL syntax near '${password}'`, { errno: 1064, sql: `ALTER USER x IDENTIFIED BY '${password}'` });
    const out = databaseError('mysql', 'changing its own password', driverError, [password]);
    expect(out.message).not.toContain(password);
    expect(out.message).toContain('[REDACTED]');
    expect(out.cause).not.toBe(driverError);
    expect(JSON.stringify(out.cause, Object.getOwnPropertyNames(out.cause))).not.toContain(password);
    expect((out.cause as Error).message).toContain('[REDACTED]');
  });

  it('passes a DatabaseError through unchanged', () => {
    const error = new DatabaseError('postgres: already classified', { kind: 'tls' });
    expect(databaseError('postgres', 'x', error, [])).toBe(error);
  });
});

describe('scrub', () => {
  it('replaces the longest secrets first and ignores fragments too short to be one', () => {
    expect(scrub('abcdef and abc and ab', ['abc', 'abcdef', 'ab'])).toBe('[REDACTED] and [REDACTED] and ab');
  });
});
