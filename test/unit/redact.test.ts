import middy from '@middy/core';
import { afterEach, describe, expect, it } from 'vitest';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { forgetSecrets, MAX_REMEMBERED, MAX_REMEMBERED_CHARS, MIN_REDACTED_LENGTH, redact, redactLogAttribute, rememberSecret } from '../../shared/redact';
import { captureOutput } from '../support/capture-output';

/** A line keywarden really logs, with the ordinary words an attacker would like to erase. */
const LOG_LINE = 'rotation step finished: secret {acme/tenant-1/db} createSecret ok, e.g. 12 keys; see the runbook';
const CANARY = 'CANARY-7f3a9e21-d4c8-secret-value';

afterEach(() => forgetSecrets());

async function logged(fn: () => void): Promise<string> {
  const { printed } = await captureOutput(async () => fn());
  return printed;
}

describe('redact', () => {
  it('replaces a remembered value wherever it appears', () => {
    rememberSecret('s3cr3t-value-123');
    expect(redact('login failed for s3cr3t-value-123 twice')).toBe('login failed for [REDACTED] twice');
  });

  it('redacts secret fields of a JSON value but keeps the names on-call needs', () => {
    rememberSecret(
      JSON.stringify({
        username: 'svc_billing',
        password: 'pw-0123456789',
        host: 'db.internal',
        apiKey: 'kw_abcdefghijkl',
        keys: [{ kid: 'kid-123456', k: 'hmac-key-bytes', d: 'private-exponent', status: 'active' }],
      }),
    );
    const line = 'user svc_billing on db.internal: pw-0123456789 kw_abcdefghijkl kid-123456 hmac-key-bytes private-exponent';
    expect(redact(line)).toBe('user svc_billing on db.internal: [REDACTED] [REDACTED] kid-123456 [REDACTED] [REDACTED]');
  });

  it(`remembers nothing shorter than ${MIN_REDACTED_LENGTH} characters, and everything from there`, () => {
    rememberSecret('a'.repeat(MIN_REDACTED_LENGTH - 1));
    rememberSecret(JSON.stringify({ password: 'b'.repeat(MIN_REDACTED_LENGTH - 1) }));
    rememberSecret(JSON.stringify({ password: 'c'.repeat(MIN_REDACTED_LENGTH) }));
    expect(redact(`${'a'.repeat(7)} ${'b'.repeat(7)} ${'c'.repeat(8)}`)).toBe(`${'a'.repeat(7)} ${'b'.repeat(7)} [REDACTED]`);
  });

  it('redacts the longer of two overlapping secrets whole', () => {
    rememberSecret('token-aaaaaa');
    rememberSecret('token-aaaaaa-bbbbbb');
    expect(redact('x token-aaaaaa-bbbbbb y')).toBe('x [REDACTED] y');
  });

  it('replaces a credential-named log attribute whole, whatever its length, and leaves other names readable', () => {
    expect(redactLogAttribute('password', 'pw')).toBe('[REDACTED]');
    expect(redactLogAttribute('apiKey', 'k')).toBe('[REDACTED]');
    expect(redactLogAttribute('secretId', 'acme/tenant-1/db')).toBe('acme/tenant-1/db');
    expect(redactLogAttribute('token', 'token-0001')).toBe('token-0001');
    expect(redactLogAttribute('password', 5)).toBe(5);
  });
});

describe('redaction cannot be turned into log erasure', () => {
  it('attack: short and common strings planted as a whole secret value and in every kind of field -> the log line still reads', async () => {
    for (const planted of ['e', '{', '}', ' ', ':', 'the', 'ok', 'secret', 'rotatio', '12', '"', '\\']) rememberSecret(planted);
    rememberSecret(
      JSON.stringify({
        password: 'e',
        apiKey: 'step',
        token: 'secret',
        k: ' ',
        d: ':',
        privateKey: 'runbook',
        keys: [{ key: 'e.g.', secret: 'tenant' }],
        note: 'finished',
      }),
    );
    expect(redact(LOG_LINE)).toBe(LOG_LINE);
    const printed = await logged(() => log.info(LOG_LINE, { secretId: 'acme/tenant-1/db', step: 'createSecret' }));
    expect(printed).toContain(LOG_LINE);
    expect(printed).toContain('"secretId":"acme/tenant-1/db"');
    expect(printed).not.toContain('[REDACTED]');
  });

  it('attack: thousands of planted strings cannot grow the remembered set past its bound', () => {
    for (let i = 0; i < MAX_REMEMBERED * 4; i += 1) rememberSecret(`planted-value-${String(i).padStart(6, '0')}`);
    rememberSecret(CANARY);
    expect(redact(`first planted-value-000000 newest ${CANARY}`)).toBe('first planted-value-000000 newest [REDACTED]');
    expect(redact(`planted-value-${String(MAX_REMEMBERED * 4 - 1).padStart(6, '0')}`)).toBe('[REDACTED]');
  });

  it('attack: huge planted values cannot grow the remembered characters past the bound', () => {
    const big = (i: number) => `${i}`.padEnd(60_000, 'x');
    for (let i = 0; i < 40; i += 1) rememberSecret(big(i));
    expect(40 * 60_000).toBeGreaterThan(MAX_REMEMBERED_CHARS);
    expect(redact(big(0))).toBe(big(0));
    expect(redact(big(39))).toBe('[REDACTED]');
  });

  it('attack: a deeply nested planted value is remembered without exhausting the stack', () => {
    expect(() => rememberSecret(`${'['.repeat(50_000)}${']'.repeat(50_000)}`)).not.toThrow();
  });

  it('a canary secret is still redacted everywhere: text, log message, log attributes, nested errors', async () => {
    rememberSecret(JSON.stringify({ username: 'svc', password: CANARY }));
    expect(redact(`connecting with ${CANARY}`)).toBe('connecting with [REDACTED]');
    const printed = await logged(() => {
      log.warn(`message with ${CANARY}`, { detail: `attribute with ${CANARY}`, nested: { deeper: [CANARY] }, password: 'short' });
      log.error('failed', { error: new Error(`error with ${CANARY}`, { cause: new Error(`cause with ${CANARY}`) }) });
    });
    expect(printed).toContain('message with [REDACTED]');
    expect(printed).toContain('attribute with [REDACTED]');
    expect(printed).toContain('"password":"[REDACTED]"');
    expect(printed).not.toContain(CANARY);
    expect(printed).not.toContain('short');
  });

  it('forgets everything at the start of each invocation (middy middleware)', async () => {
    const seen: string[] = [];
    const handler = middy(async (event: { remember?: string }) => {
      if (event.remember) rememberSecret(event.remember);
      seen.push(redact(`value ${CANARY}`));
    }).use(forgetSecretsEachInvocation());
    await handler({ remember: CANARY }, {} as never);
    await handler({}, {} as never);
    expect(seen).toEqual(['value [REDACTED]', `value ${CANARY}`]);
  });
});
