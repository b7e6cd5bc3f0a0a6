import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, redact, rememberSecret } from '../../shared/redact';

describe('redact', () => {
  afterEach(() => forgetSecrets());

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

  it('leaves short fragments alone so ordinary words survive', () => {
    rememberSecret(JSON.stringify({ password: 'abc' }));
    expect(redact('abc def')).toBe('abc def');
  });

  it('redacts the longer of two overlapping secrets whole', () => {
    rememberSecret('token-aaaaaa');
    rememberSecret('token-aaaaaa-bbbbbb');
    expect(redact('x token-aaaaaa-bbbbbb y')).toBe('x [REDACTED] y');
  });
});
