import type { RotationContext } from './strategy';
import { bindingViolation, CLONE_SUFFIX, unboundRefusal } from './binding';

/**
 * The binding of a `custom` secret: an administrator names the one Lambda function (the custom
 * rotator) that may set, test and revoke its credential at the service, and the users there it
 * may touch. The value never names the function: a field or tag that does is refused unless it
 * agrees (see {@link checkCustomValue}). The contract with the function: docs/custom-rotator.md.
 */
export interface CustomBinding {
  secretArn: string;
  engine: typeof CUSTOM_ENGINE;
  /** The rotator's full Lambda function ARN (no alias or version: the function's $LATEST). */
  functionArn: string;
  /** `alternating-users`: `[user, user_clone]`, the pending credential goes to the other user. */
  mode: 'single-user' | 'alternating-users';
  users: string[];
}

/** The engine name (and `keywarden:strategy` tag value) of a custom-rotator binding. */
export const CUSTOM_ENGINE = 'custom';

/** A tag some teams use to name a rotator; it may agree with the binding, never choose one. */
export const CUSTOM_FUNCTION_TAG = 'keywarden:custom-function';

/** Value fields that would name a function; each must agree with the binding when present. */
const FUNCTION_FIELDS = ['function', 'functionArn', 'functionName', 'rotator'] as const;

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$/;

/** True for an unqualified Lambda function ARN. */
export function isFunctionArn(value: string): boolean {
  return FUNCTION_ARN.test(value);
}

/** The function's name in its ARN. */
export function functionNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/**
 * Checks a stored custom binding (read as input: people and tools write the table). `fail` builds
 * the error naming what is wrong; `base` is the part every binding shares, already checked.
 */
export function parseCustomBinding(item: Record<string, unknown>, secretArn: string, fail: (problem: string) => Error): CustomBinding {
  const functionArn = item.functionArn;
  if (typeof functionArn !== 'string' || !isFunctionArn(functionArn)) {
    throw fail('has a functionArn that is not an unqualified Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)');
  }
  const mode = item.mode;
  if (mode !== 'single-user' && mode !== 'alternating-users') throw fail('has a mode that is neither single-user nor alternating-users');
  const users = item.users;
  if (!Array.isArray(users) || users.length === 0 || users.length > 2) throw fail('has users that are not a list of one or two user names');
  for (const user of users) {
    if (typeof user !== 'string' || !/^[A-Za-z0-9._@+-]{1,128}$/.test(user)) throw fail('has a user that is not a name of 1-128 letters, digits or ._@+-');
  }
  if (mode === 'single-user' && users.length !== 1) throw fail('binds single-user rotation to other than exactly one user');
  if (mode === 'alternating-users' && (users.length !== 2 || users[1] !== `${users[0]}${CLONE_SUFFIX}`)) {
    throw fail(`binds alternating users other than a user and its ${CLONE_SUFFIX}`);
  }
  return { secretArn, engine: CUSTOM_ENGINE, functionArn, mode, users: users as string[] };
}

/** The binding a custom step runs under; anything else (none, a database's) is refused. */
export function requireCustomBinding(ctx: RotationContext): CustomBinding {
  const binding = ctx.binding;
  if (!binding) {
    throw bindingViolation(
      ctx.name,
      'binding',
      `is a custom-rotator secret with no binding, so nothing says which function may change it; an administrator binds it: keywarden bind ${ctx.name} --custom-function <function ARN> --user <user>`,
    );
  }
  if (binding.engine !== CUSTOM_ENGINE) throw unboundRefusal(ctx.name);
  const tagged = ctx.tags[CUSTOM_FUNCTION_TAG];
  if (tagged !== undefined && !namesFunction(binding, tagged)) {
    throw bindingViolation(ctx.name, `tag ${CUSTOM_FUNCTION_TAG}`, `its tag ${CUSTOM_FUNCTION_TAG} names another function than the bound rotator ${binding.functionArn}`);
  }
  return binding;
}

/**
 * Checks a value's who fields against the binding: its `username` must be a bound user, and a
 * field naming a function (function, functionArn, functionName, rotator) must name the bound one.
 */
export function checkCustomValue(ctx: RotationContext, binding: CustomBinding, fields: Record<string, unknown>, label: string): string {
  for (const field of FUNCTION_FIELDS) {
    const named = fields[field];
    if (named !== undefined && (typeof named !== 'string' || !namesFunction(binding, named))) {
      throw bindingViolation(ctx.name, field, `the ${label} value's "${field}" names another function than the bound rotator ${binding.functionArn}`);
    }
  }
  const username = fields.username;
  if (typeof username !== 'string' || !binding.users.includes(username)) {
    throw bindingViolation(ctx.name, 'username', `the ${label} value's "username" is not a bound user (${binding.users.join(', ')})`);
  }
  return username;
}

/** The user the next credential goes to: the same one, or the other of an alternating pair. */
export function nextUser(binding: CustomBinding, currentUser: string): string {
  if (binding.mode === 'single-user') return currentUser;
  return binding.users.find((user) => user !== currentUser)!;
}

function namesFunction(binding: CustomBinding, named: string): boolean {
  return named === binding.functionArn || named === functionNameOfArn(binding.functionArn);
}

/** One line for people. */
export function describeCustomBinding(binding: CustomBinding): string {
  const users = binding.mode === 'alternating-users' ? `alternating users ${binding.users.join(' and ')}` : `user ${binding.users[0]}`;
  return `custom rotator ${binding.functionArn}, ${users}`;
}

/** The binding `keywarden bind <secret> --custom-function <arn> --user <user> [--alternating]` writes. */
export function customBindingFromFlags(secretArn: string, flags: { functionArn: string; user: string; alternating?: boolean }): CustomBinding {
  const base = flags.alternating && flags.user.endsWith(CLONE_SUFFIX) ? flags.user.slice(0, -CLONE_SUFFIX.length) : flags.user;
  return {
    secretArn,
    engine: CUSTOM_ENGINE,
    functionArn: flags.functionArn,
    mode: flags.alternating ? 'alternating-users' : 'single-user',
    users: flags.alternating ? [base, `${base}${CLONE_SUFFIX}`] : [flags.user],
  };
}
