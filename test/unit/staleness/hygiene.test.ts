import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, redact } from '../../../shared/redact';
import { checkValue, entropyBits, runHygiene, wantsHygiene } from '../../../shared/staleness/hygiene';

afterEach(() => forgetSecrets());

describe('checkValue', () => {
  it.each([
    ['your-api-key-here', 'placeholder'],
    ['YOUR_TOKEN_HERE', 'placeholder'],
    ['your password', 'placeholder'],
    ['CHANGEME', 'well-known'],
    ['change-me', 'placeholder'],
    ['<insert-secret>', 'placeholder'],
    ['${DB_PASSWORD}', 'placeholder'],
    ['{{ vault_password }}', 'placeholder'],
    ['xxxxxxxxxxxxxxxxxxxxxxxx', 'placeholder'],
    ['sk-live-example-key-0000', 'placeholder'],
    ['P@ssw0rd', 'well-known'],
    ['hunter2', 'well-known'],
    ['AKIAIOSFODNN7EXAMPLE', 'well-known'],
    ['postgres', 'well-known'],
    ['Tr0ub4dor&3', 'too-short'],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'low-entropy'],
    ['abababababababababababab', 'low-entropy'],
    ['1234567890123456789012', 'low-entropy'],
    ['abcdefghijklmnopqrstuvwxyz', 'low-entropy'],
  ])('flags %s as %s', (value, reason) => {
    expect(checkValue(value)).toEqual([{ field: '(value)', reason }]);
  });

  it.each(['vX3!q9Lp#2Zr8Wm$Tk4N', 'correct horse battery staple', 'f3b0c44298fc1c149afbf4c8996fb924', 'Hj7kQ2mZp9xW'])(
    'accepts %s',
    (value) => {
      expect(checkValue(value)).toEqual([]);
    },
  );

  it('checks the secret fields of a JSON secret and names them, never the value', () => {
    const value = JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'admin', password: 'changeme', dbname: 'orders' });
    expect(checkValue(value)).toEqual([{ field: 'password', reason: 'well-known' }]);
    const nested = JSON.stringify({ keys: [{ kid: 'k1', secret: 'your-secret-here' }, { kid: 'k2', secret: 'Zq8#vP2mLx9!Tr4WkE7s' }] });
    expect(checkValue(nested)).toEqual([{ field: 'keys[0].secret', reason: 'placeholder' }]);
  });

  it('checks every non-metadata field when none is named like a secret', () => {
    expect(checkValue(JSON.stringify({ region: 'eu-west-1', value: 'todo' }))).toEqual([{ field: 'value', reason: 'placeholder' }]);
  });

  it('measures entropy as bits over the whole value', () => {
    expect(entropyBits('aaaa')).toBe(0);
    expect(entropyBits('abcd')).toBeCloseTo(8, 6);
  });
});

describe('wantsHygiene: opt-in', () => {
  it('reads nothing when off, only tagged secrets by default, all but opted-out ones in all mode', () => {
    expect(wantsHygiene({ 'keywarden:hygiene': 'check' }, 'off')).toBe(false);
    expect(wantsHygiene({}, 'tagged')).toBe(false);
    expect(wantsHygiene({ 'keywarden:hygiene': 'check' }, 'tagged')).toBe(true);
    expect(wantsHygiene({}, 'all')).toBe(true);
    expect(wantsHygiene({ 'keywarden:hygiene': 'skip' }, 'all')).toBe(false);
  });
});

describe('runHygiene', () => {
  const CANARY = 'your-canary-7f3a9e21-here';

  it('reports names and reasons, remembers values for redaction, and never returns a value', async () => {
    const values: Record<string, string | undefined> = { a: CANARY, b: JSON.stringify({ password: 'Qm9!xT4#pL2vZ8kW' }), c: undefined };
    const results = await runHygiene(
      [
        { arn: 'a', name: 'acme/t/a' },
        { arn: 'b', name: 'acme/t/b' },
        { arn: 'c', name: 'acme/t/c' },
      ],
      { readCurrent: async (arn) => values[arn] },
    );
    expect(results).toEqual([
      { arn: 'a', name: 'acme/t/a', outcome: 'checked', issues: [{ field: '(value)', reason: 'placeholder' }] },
      { arn: 'b', name: 'acme/t/b', outcome: 'checked', issues: [] },
      { arn: 'c', name: 'acme/t/c', outcome: 'skipped', issues: [], skippedBecause: 'no string value (binary or no AWSCURRENT version)' },
    ]);
    expect(JSON.stringify(results)).not.toContain('canary');
    expect(redact(`oops ${CANARY}`)).toBe('oops [REDACTED]');
  });

  it('skips a secret it cannot read, naming only the error code', async () => {
    const denied = Object.assign(new Error(`denied reading ${CANARY}`), { name: 'AccessDeniedException' });
    const [result] = await runHygiene([{ arn: 'x', name: 'acme/t/x' }], {
      readCurrent: async () => {
        throw denied;
      },
    });
    expect(result).toEqual({ arn: 'x', name: 'acme/t/x', outcome: 'skipped', issues: [], skippedBecause: 'could not read the value (AccessDeniedException)' });
  });
});
