import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, redact } from '../../../shared/redact';
import { checkValue, entropyBits, MAX_ISSUES, runHygiene, wantsHygiene } from '../../../shared/staleness/hygiene';

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

describe('checkValue never copies a key or a value of the secret', () => {
  const KEY_CANARY = 'sk_live_CANARYkey9d2f7e01';

  it('attack: a secret planted as a JSON key (with a placeholder value) -> the finding names the field by position only', () => {
    const issues = checkValue(JSON.stringify({ username: 'svc', [KEY_CANARY]: 'changeme' }));
    expect(issues).toEqual([{ field: '(field 2)', reason: 'well-known' }]);
    expect(JSON.stringify(issues)).not.toContain('CANARY');
  });

  it('attack: a canary planted as a nested key and as values -> neither is copied into an issue', () => {
    const value = JSON.stringify({ [KEY_CANARY]: { password: 'your-CANARY-here' }, keys: [{ [`${KEY_CANARY}_secret`]: `CANARY${'a'.repeat(20)}` }] });
    const issues = checkValue(value);
    expect(issues).toEqual([
      { field: '(field 1).password', reason: 'placeholder' },
      { field: 'keys[0].(field 1)', reason: 'low-entropy' },
    ]);
    expect(JSON.stringify(issues)).not.toMatch(/canary/i);
  });

  it('shows known field names as keywarden spells them, whatever the case in the secret', () => {
    expect(checkValue(JSON.stringify({ PASSWORD: 'changeme', ApiKey: 'todo' }))).toEqual([
      { field: 'password', reason: 'well-known' },
      { field: 'apiKey', reason: 'placeholder' },
    ]);
  });

  it(`attack: thousands of weak fields -> at most ${MAX_ISSUES} issues, each a bounded description`, () => {
    const many = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`secret_${'x'.repeat(200)}${i}`, 'changeme']));
    const issues = checkValue(JSON.stringify(many));
    expect(issues).toHaveLength(MAX_ISSUES);
    for (const issue of issues) expect(issue.field).toMatch(/^\(field \d+\)$/);
  });

  it('attack: a deeply nested value -> checked without exhausting the stack, path bounded', () => {
    const deep = `${'{"a":'.repeat(5_000)}"changeme"${'}'.repeat(5_000)}`;
    expect(() => checkValue(deep)).not.toThrow();
    const shallow = JSON.stringify({ data: { data: { data: { data: { data: { password: 'changeme' } } } } } });
    expect(checkValue(shallow)).toEqual([{ field: '…data.data.data.password', reason: 'well-known' }]);
  });

  it('attack: an error whose name or code is attacker text -> the skip reason says only "Error"', async () => {
    const [result] = await runHygiene([{ arn: 'x', name: 'acme/t/x' }], {
      readCurrent: async () => {
        throw Object.assign(new Error('x'), { code: 'Denied: your-CANARY-here and more text' });
      },
    });
    expect(result?.skippedBecause).toBe('could not read the value (Error)');
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
