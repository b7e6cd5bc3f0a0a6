import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors';
import { parseBinding } from '../../../shared/rotation/binding-record';
import { customBindingFromFlagsChecked, describeBinding } from '../../../shared/rotation/binding-proposal';

const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/broker-AbCdEf';
const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-prod-rotator-rabbitmq';

describe('custom bindings', () => {
  it('binds one user, or a user and its _clone', () => {
    expect(customBindingFromFlagsChecked(secretArn, { functionArn, user: 'orders' })).toEqual({ secretArn, engine: 'custom', functionArn, shape: 'password', mode: 'single-user', users: ['orders'] });
    const alternating = customBindingFromFlagsChecked(secretArn, { functionArn, user: 'orders_clone', alternating: true });
    expect(alternating.users).toEqual(['orders', 'orders_clone']);
    expect(describeBinding(alternating)).toBe(`custom rotator ${functionArn}, alternating users orders and orders_clone`);
  });

  it('reads a stored binding back as written', () => {
    const binding = customBindingFromFlagsChecked(secretArn, { functionArn, user: 'orders' });
    expect(parseBinding(JSON.parse(JSON.stringify(binding)))).toEqual(binding);
  });

  it('a binding stored before shapes existed reads as the password shape', () => {
    expect(parseBinding({ secretArn, engine: 'custom', functionArn, mode: 'single-user', users: ['orders'] })).toMatchObject({ shape: 'password', users: ['orders'] });
  });

  it('binds a key shape without users, and says so', () => {
    const binding = customBindingFromFlagsChecked(secretArn, { functionArn, shape: 'jwt-keyset' });
    expect(binding).toEqual({ secretArn, engine: 'custom', functionArn, shape: 'jwt-keyset', mode: 'single-user', users: [] });
    expect(parseBinding(JSON.parse(JSON.stringify(binding)))).toEqual(binding);
    expect(describeBinding(binding)).toBe(`custom rotator ${functionArn}, jwt-keyset shape`);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a shape that is not a generated strategy\'s', { shape: 'postgres' }, /shape other than password, api-key, jwt-keyset, encryption-keyring/],
    ['a shape named by a prototype key', { shape: '__proto__' }, /shape other than/],
    ['users for a key shape', { shape: 'api-key', users: ['orders'] }, /users are for passwords/],
    ['alternating users for a key shape', { shape: 'encryption-keyring', mode: 'alternating-users', users: [] }, /users are for passwords/],
    ['a function name instead of an ARN', { functionArn: 'keywarden-prod-rotator-rabbitmq' }, /functionArn that is not an unqualified Lambda function ARN/],
    ['a qualified ARN (an alias someone can repoint)', { functionArn: `${functionArn}:live` }, /not an unqualified/],
    ['no users', { users: [] }, /one or two user names/],
    ['a user with odd characters', { users: ['a b'] }, /letters, digits/],
    ['two users in single-user mode', { users: ['a', 'a_clone'] }, /exactly one user/],
    ['alternating users that are not a pair', { mode: 'alternating-users', users: ['a', 'b'] }, /a user and its _clone/],
    ['an unknown mode', { mode: 'sometimes' }, /neither single-user nor alternating-users/],
  ];
  for (const [what, change, message] of bad) {
    it(`refuses ${what}`, () => {
      const raw = { secretArn, engine: 'custom', functionArn, mode: 'single-user', users: ['orders'], ...change };
      expect(() => parseBinding(raw)).toThrow(ConfigError);
      expect(() => parseBinding(raw)).toThrow(message);
    });
  }
});
