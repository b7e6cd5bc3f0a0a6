import { InvalidRequestError } from '../errors';
import type { RotationContext } from './strategy';
import { bindingViolation } from './binding';

/**
 * The binding of an IAM access key secret (strategy `iam-access-key`): which IAM user's keys the
 * secret holds and, for a user in another account, the role keywarden assumes there. Written by an
 * administrator with `keywarden bind <secret> --iam-user <user> [--assume-role <arn>]`; the value
 * only says which key is current (`awsAccessKeyId`, `awsSecretAccessKey`), never whose.
 */
export interface IamAccessKeyBinding {
  secretArn: string;
  engine: typeof IAM_ACCESS_KEY_ENGINE;
  /** The IAM user name (not an ARN: IAM's key calls take the name). */
  iamUser: string;
  /** A role in the user's account that keywarden assumes to manage its keys; absent: keywarden's own role. */
  assumeRoleArn?: string;
  /** The ExternalId the role's trust policy asks for, when it asks for one. */
  externalId?: string;
  /**
   * A deactivated previous key is deleted only when GetAccessKeyLastUsed shows no use for this
   * many days; until then the rotation that needs its slot fails with a finding naming its use.
   */
  deleteUnusedAfterDays: number;
}

/** The `engine` (and strategy name) of an IAM access key binding. */
export const IAM_ACCESS_KEY_ENGINE = 'iam-access-key';

/** Seven days: longer than a weekly batch job's gap, short enough that rotation rarely waits. */
export const DEFAULT_DELETE_UNUSED_AFTER_DAYS = 7;

/** IAM's user names: 1-64 of `\w+=,.@-`. */
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]{1,510}\/)?[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * Checks a stored IAM access key binding (the bindings table is input, see binding-record.ts);
 * `fail` builds the error naming what is wrong.
 */
export function parseIamAccessKeyBinding(
  item: Record<string, unknown>,
  secretArn: string,
  fail: (problem: string) => Error,
): IamAccessKeyBinding {
  const iamUser = item.iamUser;
  if (typeof iamUser !== 'string' || !IAM_USER_NAME.test(iamUser)) throw fail('has an iamUser that is not an IAM user name (1-64 of letters, digits and +=,.@_-)');
  const { assumeRoleArn, externalId } = item;
  if (assumeRoleArn !== undefined && assumeRoleArn !== null && (typeof assumeRoleArn !== 'string' || !ROLE_ARN.test(assumeRoleArn))) {
    throw fail('has an assumeRoleArn that is not an IAM role ARN');
  }
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId))) {
    throw fail('has an externalId that is not 2-1224 of letters, digits and +=,.@:/-');
  }
  if (typeof externalId === 'string' && typeof assumeRoleArn !== 'string') throw fail('has an externalId without an assumeRoleArn');
  const days = item.deleteUnusedAfterDays ?? DEFAULT_DELETE_UNUSED_AFTER_DAYS;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 365) throw fail('has a deleteUnusedAfterDays that is not a whole number of days from 0 to 365');
  for (const field of ['host', 'port', 'users', 'masterArn', 'mode', 'transport', 'dbname']) {
    if (item[field] !== undefined && item[field] !== null) throw fail(`binds an IAM access key but names a database field (${field})`);
  }
  return {
    secretArn,
    engine: IAM_ACCESS_KEY_ENGINE,
    iamUser,
    ...(typeof assumeRoleArn === 'string' && { assumeRoleArn }),
    ...(typeof externalId === 'string' && { externalId }),
    deleteUnusedAfterDays: days,
  };
}

/** What `keywarden bind <secret> --iam-user ...` says. */
export interface IamAccessKeyFlags {
  iamUser: string;
  assumeRole?: string;
  externalId?: string;
  deleteUnusedAfterDays?: number;
}

/** The binding the flags describe; an InvalidRequestError says what is wrong. */
export function iamAccessKeyBindingFromFlags(secretArn: string, flags: IamAccessKeyFlags): IamAccessKeyBinding {
  const raw = {
    iamUser: flags.iamUser,
    assumeRoleArn: flags.assumeRole,
    externalId: flags.externalId,
    deleteUnusedAfterDays: flags.deleteUnusedAfterDays,
  };
  return parseIamAccessKeyBinding(raw, secretArn, (problem) => new InvalidRequestError(`the binding of ${secretArn} ${problem}`));
}

/** One line for people. */
export function describeIamAccessKeyBinding(binding: IamAccessKeyBinding): string {
  const where = binding.assumeRoleArn ? ` through role ${binding.assumeRoleArn}${binding.externalId ? ' (with an external id)' : ''}` : ' with the rotate role';
  return `IAM access keys of user ${binding.iamUser}${where}; a previous key is deleted after ${binding.deleteUnusedAfterDays} day(s) unused`;
}

/** True for a binding of this kind. */
export function isIamAccessKeyBinding(binding: { engine: string } | undefined): binding is IamAccessKeyBinding {
  return binding?.engine === IAM_ACCESS_KEY_ENGINE;
}

/**
 * The step's IAM access key binding. A secret without one is refused before any call: whoever
 * can tag a secret must not be able to point keywarden's IAM rights at a user.
 */
export function requireIamAccessKeyBinding(ctx: RotationContext): IamAccessKeyBinding {
  if (!ctx.binding) {
    throw bindingViolation(
      ctx.name,
      'binding',
      `is an IAM access key secret with no binding, so nothing says whose keys it may rotate; an administrator binds it: keywarden bind ${ctx.name} --iam-user <user> [--assume-role <role-arn>]`,
    );
  }
  if (!isIamAccessKeyBinding(ctx.binding)) {
    throw bindingViolation(ctx.name, 'engine', `its binding names engine ${ctx.binding.engine}, not ${IAM_ACCESS_KEY_ENGINE}`);
  }
  return ctx.binding;
}
