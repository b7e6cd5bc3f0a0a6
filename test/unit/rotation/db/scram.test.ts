import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scramKeys, scramSha256Verifier } from '../../../../shared/rotation/db/scram';

// RFC 7677 section 3: user "user", password "pencil".
const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const AUTH_MESSAGE = [
  'n=user,r=rOprNGfwEbeRWgbNEkqO',
  'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
].join(',');
const CLIENT_PROOF = 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_SIGNATURE = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function parseVerifier(verifier: string) {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) throw new Error('not a verifier');
  return { iterations: Number(match[1]), salt: match[2]!, storedKey: Buffer.from(match[3]!, 'base64'), serverKey: Buffer.from(match[4]!, 'base64') };
}

describe('scramSha256Verifier', () => {
  it('produces the keys of RFC 7677 example: the server signature and the client proof check out', () => {
    const verifier = parseVerifier(scramSha256Verifier('pencil', { salt: SALT, iterations: 4096 }));
    expect(verifier).toMatchObject({ iterations: 4096, salt: 'W22ZaJ0SNY7soEsUEjb6gQ==' });
    expect(createHmac('sha256', verifier.serverKey).update(AUTH_MESSAGE).digest('base64')).toBe(SERVER_SIGNATURE);
    const clientSignature = createHmac('sha256', verifier.storedKey).update(AUTH_MESSAGE).digest();
    const { clientKey } = scramKeys('pencil', SALT, 4096);
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ clientSignature[i]!));
    expect(proof.toString('base64')).toBe(CLIENT_PROOF);
  });

  it('uses PostgreSQL\'s format, a fresh 16-byte salt each time, and never contains the password', () => {
    const password = 'Correct-Horse-Battery-Staple!';
    const a = scramSha256Verifier(password);
    const b = scramSha256Verifier(password);
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(parseVerifier(a).salt, 'base64')).toHaveLength(16);
    expect(a).not.toContain(password);
  });

  it('refuses passwords outside printable ASCII rather than guess at SASLprep', () => {
    expect(() => scramSha256Verifier('pässword-with-umlaut')).toThrow(/printable ASCII/);
    expect(() => scramSha256Verifier('tab\there')).toThrow(RangeError);
  });
});
