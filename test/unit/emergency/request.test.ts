import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../shared/errors';
import { parseEmergencyRequest } from '../../../shared/emergency/request';

describe('parseEmergencyRequest', () => {
  const base = { reason: 'key pasted in a public issue', requestedBy: 'alice@example.com' };

  it('reads a request for one secret with defaults', () => {
    const request = parseEmergencyRequest({ ...base, secretId: 'app/tenant-1/db', requestId: 'inc-42' });
    expect(request).toMatchObject({
      target: { kind: 'secret', secretId: 'app/tenant-1/db' },
      requestId: 'inc-42',
      dryRun: false,
      accessReviewDays: 30,
    });
  });

  it('reads tenant and tag targets, and makes a request id when none is given', () => {
    expect(parseEmergencyRequest({ ...base, tenant: 'tenant-1' }).target).toEqual({ kind: 'tenant', tenant: 'tenant-1' });
    expect(parseEmergencyRequest({ ...base, tag: 'team=payments' }).target).toEqual({ kind: 'tag', key: 'team', value: 'payments' });
    expect(parseEmergencyRequest({ ...base, tenant: 't' }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [{ ...base }, /give exactly one of secretId, tenant, tag/],
    [{ ...base, secretId: 'a', tenant: 'b' }, /give exactly one of secretId, tenant, tag/],
    [{ secretId: 'a', requestedBy: 'x' }, /reason is required/],
    [{ ...base, secretId: 'a', reason: ' ' }, /reason must say why/],
    [{ ...base, secretId: 'a', dryrun: true }, /unknown field\(s\): dryrun/],
    [{ ...base, secretId: 'a', dryRun: 'yes' }, /dryRun: Expected boolean/],
    [{ ...base, tag: 'no-equals-sign' }, /tag must be key=value/],
    [{ ...base, secretId: 'a', requestId: 'has spaces' }, /requestId: 1 to 128/],
    ['rotate everything', /Expected object/],
  ])('refuses %j, saying what is wrong', (input, message) => {
    expect(() => parseEmergencyRequest(input)).toThrow(InvalidRequestError);
    expect(() => parseEmergencyRequest(input)).toThrow(message);
  });
});
