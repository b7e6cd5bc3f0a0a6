import { describe, expect, it } from 'vitest';
import { CustomRotatorError, SecretTestFailedError } from '../../../shared/errors';
import { forgetSecrets, rememberSecret } from '../../../shared/redact';
import { callRotator, CUSTOM_ROTATOR_CONTRACT, customRotatorTimeoutMs, type CustomRotatorInvoker, type InvocationAnswer } from '../../../shared/rotation/custom-rotator';

const call = { secretName: 'app/broker', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/broker-AbCdEf', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-x', timeoutMs: 2000 };
const test = { action: 'test', shape: 'password', pending: { username: 'app', password: 'Pending-secret-123' } } as const;

function answering(answer: InvocationAnswer): CustomRotatorInvoker & { sent: string[] } {
  const sent: string[] = [];
  return { sent, invoke: async (_arn, payload) => (sent.push(payload), answer) };
}

const returned = (body: unknown): InvocationAnswer => ({ kind: 'returned', payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('callRotator', () => {
  it('sends the contract, the secret ARN and only the action\'s fields', async () => {
    const invoker = answering(returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: true, detail: 'fine' }));
    expect(await callRotator(invoker, call, test)).toEqual({ detail: 'fine' });
    expect(JSON.parse(invoker.sent[0]!)).toEqual({ contract: CUSTOM_ROTATOR_CONTRACT, secretId: call.secretArn, ...test });
  });

  const failures: Array<[string, InvocationAnswer, string]> = [
    ['timeout', { kind: 'timeout' }, 'did not answer within 2000 ms (timeout)'],
    ['function error', { kind: 'function-error', errorType: 'TypeError' }, 'failed with TypeError (function error)'],
    ['unreachable', { kind: 'unreachable', code: 'AccessDeniedException' }, 'could not be invoked (AccessDeniedException)'],
    ['not JSON', returned('{oops'), 'answered with something that is not JSON (malformed response)'],
    ['an array', returned([1]), 'JSON that is not an object (malformed response)'],
    ['no contract', returned({ ok: true }), 'without "contract"'],
    ['no ok', returned({ contract: CUSTOM_ROTATOR_CONTRACT }), 'without "ok": true or false'],
    ['a detail that is not text', returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: true, detail: 3 }), '"detail" that is not a string'],
    ['a huge answer', returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: true, detail: 'x'.repeat(5000) }), 'more than 4096'],
  ];
  for (const [what, answer, message] of failures) {
    it(`classifies ${what}`, async () => {
      const error = await callRotator(answering(answer), call, test).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CustomRotatorError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain(call.functionArn);
    });
  }

  it('a revoke answer must say whether it revoked', async () => {
    const revoke = { action: 'revoke', shape: 'password', previous: { username: 'a' }, current: { username: 'a_clone' } } as const;
    await expect(callRotator(answering(returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: true })), call, revoke)).rejects.toThrow(/"revoked": true or false/);
    expect(await callRotator(answering(returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: true, revoked: true })), call, revoke)).toEqual({ revoked: true });
  });

  it('a test the function refuses is a failed test; a refused set is a refusal; their words are bounded, one line, redacted', async () => {
    rememberSecret(test.pending.password);
    try {
      const refusing = returned({ contract: CUSTOM_ROTATOR_CONTRACT, ok: false, reason: `no\nway ${test.pending.password} ${'y'.repeat(400)}` });
      const failed = (await callRotator(answering(refusing), call, test).catch((caught: unknown) => caught)) as Error;
      expect(failed).toBeInstanceOf(SecretTestFailedError);
      expect(failed.message).toContain('no way [REDACTED]');
      expect(failed.message).not.toContain(test.pending.password);
      expect(failed.message.length).toBeLessThan(450);
      const set = { action: 'set', shape: 'password', pending: test.pending, current: { username: 'app', password: 'Current-secret-456' } } as const;
      const refused = await callRotator(answering(refusing), call, set).catch((caught: unknown) => caught as CustomRotatorError);
      expect(refused).toMatchObject({ name: 'CustomRotatorError', kind: 'refused' });
    } finally {
      forgetSecrets();
    }
  });
});

describe('customRotatorTimeoutMs', () => {
  it('defaults to 20 s and takes 1 s to 10 min', () => {
    expect(customRotatorTimeoutMs({})).toBe(20_000);
    expect(customRotatorTimeoutMs({ KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: '5000' })).toBe(5000);
    expect(() => customRotatorTimeoutMs({ KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: '10' })).toThrow(/1000 to 600000/);
    expect(() => customRotatorTimeoutMs({ KEYWARDEN_CUSTOM_ROTATOR_TIMEOUT_MS: 'soon' })).toThrow(/1000 to 600000/);
  });
});
