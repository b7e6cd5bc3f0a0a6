import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidRequestError } from '../../../shared/errors';
import { describeIamAccessKeyBinding, iamAccessKeyBindingFromFlags } from '../../../shared/rotation/binding-iam-access-key';
import { parseBinding } from '../../../shared/rotation/binding-record';
import { describeBinding } from '../../../shared/rotation/binding-proposal';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:merchants/m-17/aws-AbCdEf';
const ROLE = 'arn:aws:iam::210987654321:role/keywarden-rotator/key-rotator';

describe('IAM access key bindings', () => {
  it('parses a stored binding, with seven days before an unused key is deleted by default', () => {
    expect(parseBinding({ secretArn: ARN, engine: 'iam-access-key', iamUser: 'm17-uploader' })).toEqual({
      secretArn: ARN,
      engine: 'iam-access-key',
      iamUser: 'm17-uploader',
      deleteUnusedAfterDays: 7,
    });
    const withRole = parseBinding({ secretArn: ARN, engine: 'iam-access-key', iamUser: 'u', assumeRoleArn: ROLE, externalId: 'kw-ext-1', deleteUnusedAfterDays: 0 });
    expect(withRole).toMatchObject({ assumeRoleArn: ROLE, externalId: 'kw-ext-1', deleteUnusedAfterDays: 0 });
    expect(describeBinding(withRole)).toBe(describeIamAccessKeyBinding(withRole as never));
    expect(describeBinding(withRole)).toMatch(`IAM access keys of user u through role ${ROLE} (with an external id)`);
  });

  it.each([
    [{ iamUser: 'a b' }, 'iamUser that is not an IAM user name'],
    [{ iamUser: 'x'.repeat(65) }, 'iamUser that is not an IAM user name'],
    [{ iamUser: 'u', assumeRoleArn: 'arn:aws:iam::12:role/r' }, 'assumeRoleArn that is not an IAM role ARN'],
    [{ iamUser: 'u', assumeRoleArn: 'arn:aws:iam::123456789012:user/r' }, 'assumeRoleArn that is not an IAM role ARN'],
    [{ iamUser: 'u', externalId: 'abc' }, 'externalId without an assumeRoleArn'],
    [{ iamUser: 'u', deleteUnusedAfterDays: -1 }, 'deleteUnusedAfterDays that is not a whole number'],
    [{ iamUser: 'u', deleteUnusedAfterDays: 1.5 }, 'deleteUnusedAfterDays that is not a whole number'],
    [{ iamUser: 'u', host: 'db.internal' }, 'names a database field (host)'],
    [{ iamUser: 'u', users: ['admin'] }, 'names a database field (users)'],
  ])('refuses a stored binding %j', (fields, problem) => {
    const error = (() => {
      try {
        parseBinding({ secretArn: ARN, engine: 'iam-access-key', ...fields });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain(problem);
  });

  it('builds a binding from keywarden bind flags, refusing bad ones as a bad request', () => {
    expect(iamAccessKeyBindingFromFlags(ARN, { iamUser: 'u', assumeRole: ROLE })).toMatchObject({ iamUser: 'u', assumeRoleArn: ROLE, deleteUnusedAfterDays: 7 });
    expect(() => iamAccessKeyBindingFromFlags(ARN, { iamUser: 'u', assumeRole: 'not-an-arn' })).toThrow(InvalidRequestError);
  });
});
