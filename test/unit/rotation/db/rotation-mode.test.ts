import { describe, expect, it } from 'vitest';
import { rotationMode } from '../../../../shared/rotation/db/rotation-mode';
import { alternateUser } from '../../../../shared/rotation/db/alternating-users';

const secret = (tags: Record<string, string> = {}) => ({ name: 'app/tenant-1/db', tags });

describe('rotationMode', () => {
  it('is alternating users when the secret names a master, single user otherwise', () => {
    expect(rotationMode(secret(), { masterarn: 'arn:master' })).toBe('alternating-users');
    expect(rotationMode(secret(), {})).toBe('single-user');
  });

  it('follows the keywarden:rotation tag when present', () => {
    expect(rotationMode(secret({ 'keywarden:rotation': 'single-user' }), { masterarn: 'arn:master' })).toBe('single-user');
    expect(rotationMode(secret({ 'keywarden:rotation': 'alternating-users' }), {})).toBe('alternating-users');
  });

  it('refuses an unknown mode with the allowed ones', () => {
    expect(() => rotationMode(secret({ 'keywarden:rotation': 'dual' }), {})).toThrow(/tag keywarden:rotation must be one of single-user, alternating-users; it is "dual"/);
  });
});

describe('alternateUser', () => {
  it('pairs app with app_clone, both ways', () => {
    expect(alternateUser('app')).toBe('app_clone');
    expect(alternateUser('app_clone')).toBe('app');
  });
});
