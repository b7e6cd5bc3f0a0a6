import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/errors';
import { dbSettings } from '../../../../shared/rotation/db/settings';
import { tlsOptions } from '../../../../shared/rotation/db/tls';
import { processLog } from '../../../../shared/log';

const secret = (tags: Record<string, string> = {}) => ({ name: 'app/tenant-1/db', tags, log: processLog });

describe('dbSettings', () => {
  it('has short timeouts by default and no TLS unless the secret asks', () => {
    expect(dbSettings(secret(), { host: 'db', ssl: false }, {})).toEqual({
      secretName: 'app/tenant-1/db',
      log: processLog,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10000,
      plaintext: 'value',
    });
  });

  it('reads the timeouts from the environment and refuses nonsense, naming the variable', () => {
    const env = { KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '1500', KEYWARDEN_DB_STATEMENT_TIMEOUT_MS: '2500' };
    expect(dbSettings(secret(), { host: 'db', ssl: false }, env)).toMatchObject({ connectTimeoutMs: 1500, statementTimeoutMs: 2500 });
    expect(() => dbSettings(secret(), { host: 'db', ssl: false }, { KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '5s' })).toThrow(
      /KEYWARDEN_DB_CONNECT_TIMEOUT_MS must be a whole number from 100 to 60000/,
    );
    expect(() => dbSettings(secret(), { host: 'db', ssl: false }, { KEYWARDEN_DB_STATEMENT_TIMEOUT_MS: '99' })).toThrow(ConfigError);
  });

  it('unbound (no transport): verifies TLS against the host, or the name and CA bundle that the tags or the environment give', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-ca-'));
    writeFileSync(join(dir, 'env.pem'), 'ENV CA');
    writeFileSync(join(dir, 'tag.pem'), 'TAG CA');
    const env = { KEYWARDEN_DB_TLS_CA_FILE: join(dir, 'env.pem') };
    expect(dbSettings(secret(), { host: 'db.internal', ssl: true }, {}).tls).toEqual({ ca: undefined, servername: 'db.internal' });
    expect(dbSettings(secret(), { host: 'db.internal', ssl: true }, env).tls).toEqual({ ca: 'ENV CA', servername: 'db.internal' });
    const tagged = secret({ 'keywarden:db-tls-ca-file': join(dir, 'tag.pem'), 'keywarden:db-tls-servername': 'db.example.com' });
    expect(dbSettings(tagged, { host: '10.0.0.5', ssl: true }, env).tls).toEqual({ ca: 'TAG CA', servername: 'db.example.com' });
    expect(() => dbSettings(secret({ 'keywarden:db-tls-ca-file': join(dir, 'missing.pem') }), { host: 'db', ssl: true }, {})).toThrow(
      /the TLS CA bundle .*missing\.pem cannot be read \(ENOENT\)/,
    );
  });

  it("attack: a bound value saying ssl:false cannot turn TLS off when the binding's transport is tls", () => {
    for (const ssl of [false, true]) {
      const settings = dbSettings(secret(), { host: 'db.internal', ssl, transport: 'tls' }, {});
      expect(settings.tls).toEqual({ ca: undefined, servername: 'db.internal' });
      expect(settings.plaintext).toBeUndefined();
    }
  });

  it("transport plaintext: plaintext is the administrator's allowance, and ssl:true still gets verified TLS", () => {
    expect(dbSettings(secret(), { host: '127.0.0.1', ssl: false, transport: 'plaintext' }, {})).toMatchObject({ plaintext: 'binding' });
    expect(dbSettings(secret(), { host: '127.0.0.1', ssl: false, transport: 'plaintext' }, {}).tls).toBeUndefined();
    const asked = dbSettings(secret(), { host: 'db.internal', ssl: true, transport: 'plaintext' }, {});
    expect(asked.tls).toEqual({ ca: undefined, servername: 'db.internal' });
    expect(asked.plaintext).toBeUndefined();
  });

  it('attack: tags cannot choose the trust store or the certificate name of a bound secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-ca-'));
    writeFileSync(join(dir, 'env.pem'), 'ENV CA');
    writeFileSync(join(dir, 'attacker.pem'), 'ATTACKER CA');
    const tagged = secret({ 'keywarden:db-tls-ca-file': join(dir, 'attacker.pem'), 'keywarden:db-tls-servername': 'attacker.example.com' });
    const env = { KEYWARDEN_DB_TLS_CA_FILE: join(dir, 'env.pem') };
    for (const transport of ['tls', 'plaintext'] as const) {
      expect(dbSettings(tagged, { host: 'db.internal', ssl: true, transport }, env).tls).toEqual({ ca: 'ENV CA', servername: 'db.internal' });
      expect(dbSettings(tagged, { host: 'db.internal', ssl: true, transport }, {}).tls).toEqual({ ca: undefined, servername: 'db.internal' });
    }
    // The binding (an administrator) may name the certificate when the bound host is an address.
    expect(dbSettings(tagged, { host: '10.0.0.5', ssl: false, transport: 'tls', tlsServername: 'db.internal' }, env).tls).toEqual({
      ca: 'ENV CA',
      servername: 'db.internal',
    });
  });
});

describe('tlsOptions', () => {
  it('always rejects unverified servers and checks the configured name, not the address dialled', () => {
    const options = tlsOptions({ servername: 'db.example.com', ca: 'PEM' });
    expect(options).toMatchObject({ rejectUnauthorized: true, ca: 'PEM', servername: 'db.example.com' });
    const cert = { subject: { CN: 'db.example.com' }, subjectaltname: 'DNS:db.example.com' } as unknown as PeerCertificate;
    expect(options.checkServerIdentity!('10.0.0.5', cert)).toBeUndefined();
    expect(checkServerIdentity('10.0.0.5', cert)).toBeInstanceOf(Error);
    const other = tlsOptions({ servername: 'other.example.com' });
    expect(other.checkServerIdentity!('db.example.com', cert)).toBeInstanceOf(Error);
  });

  it('sends no SNI for an IP address', () => {
    expect(tlsOptions({ servername: '127.0.0.1' }).servername).toBeUndefined();
    expect(tlsOptions({ servername: '::1' }).servername).toBeUndefined();
  });
});
