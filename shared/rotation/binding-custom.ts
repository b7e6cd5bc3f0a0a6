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
  /**
   * The value's shape, one of the generated strategies' (docs/custom-rotator.md): what keywarden
   * generates and what each request carries. A binding stored before shapes existed is `password`.
   */
  shape: CustomShapeName;
  /** `alternating-users`: `[user, user_clone]`, the pending credential goes to the other user. */
  mode: 'single-user' | 'alternating-users';
  /** The users at the service a password may be set for; empty for the key shapes, which have none. */
  users: string[];
}

/** The value shapes a custom rotator can be bound to: the generated strategies'. */
export const CUSTOM_SHAPES = ['password', 'api-key', 'jwt-keyset', 'encryption-keyring'] as const;

export type CustomShapeName = (typeof CUSTOM_SHAPES)[number];

/** True for a shape a custom binding may name. */
export function isCustomShape(value: unknown): value is CustomShapeName {
  return (CUSTOM_SHAPES as readonly unknown[]).includes(value);
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
  const shape = item.shape ?? 'password';
  if (!isCustomShape(shape)) throw fail(`has a shape other than ${CUSTOM_SHAPES.join(', ')}`);
  const mode = item.mode;
  if (mode !== 'single-user' && mode !== 'alternating-users') throw fail('has a mode that is neither single-user nor alternating-users');
  if (shape !== 'password') {
    // A key has no user at the service to alternate with: the rotator registers it by kid or hash.
    if (mode !== 'single-user' || (item.users !== undefined && !(Array.isArray(item.users) && item.users.length === 0))) {
      throw fail(`binds users or alternating users to the ${shape} shape, which has none (users are for passwords)`);
    }
    return { secretArn, engine: CUSTOM_ENGINE, functionArn, shape, mode, users: [] };
  }
  const users = item.users;
  if (!Array.isArray(users) || users.length === 0 || users.length > 2) throw fail('has users that are not a list of one or two user names');
  for (const user of users) {
    if (typeof user !== 'string' || !/^[A-Za-z0-9._@+-]{1,128}$/.test(user)) throw fail('has a user that is not a name of 1-128 letters, digits or ._@+-');
  }
  if (mode === 'single-user' && users.length !== 1) throw fail('binds single-user rotation to other than exactly one user');
  if (mode === 'alternating-users' && (users.length !== 2 || users[1] !== `${users[0]}${CLONE_SUFFIX}`)) {
    throw fail(`binds alternating users other than a user and its ${CLONE_SUFFIX}`);
  }
  return { secretArn, engine: CUSTOM_ENGINE, functionArn, shape, mode, users: users as string[] };
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
 * Fields that say which shape a value is: each shape's own, and `shape` or `strategy` naming
 * one. A value holding another shape's field claims that shape; the binding's shape decides.
 */
const SHAPE_FIELDS: Readonly<Record<CustomShapeName, readonly string[]>> = {
  password: ['password'],
  'api-key': ['apiKey'],
  'jwt-keyset': ['activeKid'],
  'encryption-keyring': ['primaryKid'],
};

/**
 * Refuses a value that claims another shape than the binding's: a field of another shape
 * (`apiKey` in a password secret, `primaryKid` in a keyset), or `shape`/`strategy` naming one.
 */
export function checkCustomShape(ctx: RotationContext, binding: CustomBinding, fields: Record<string, unknown>, label: string): void {
  for (const field of ['shape', 'strategy']) {
    const named = fields[field];
    if (named !== undefined && named !== binding.shape) {
      throw bindingViolation(ctx.name, field, `the ${label} value's "${field}" names another shape than the bound ${binding.shape}`);
    }
  }
  for (const shape of CUSTOM_SHAPES) {
    if (shape === binding.shape) continue;
    const claimed = SHAPE_FIELDS[shape].find((field) => Object.hasOwn(fields, field));
    if (claimed) throw bindingViolation(ctx.name, claimed, `the ${label} value holds "${claimed}", a field of the ${shape} shape, but the rotator is bound to the ${binding.shape} shape`);
  }
}

/**
 * Checks a value's who fields against the binding: a field naming a function (function,
 * functionArn, functionName, rotator) must name the bound one, the value must not claim another
 * shape, and a password's `username` must be a bound user (returned; undefined for key shapes).
 */
export function checkCustomValue(ctx: RotationContext, binding: CustomBinding, fields: Record<string, unknown>, label: string): string | undefined {
  for (const field of FUNCTION_FIELDS) {
    const named = fields[field];
    if (named !== undefined && (typeof named !== 'string' || !namesFunction(binding, named))) {
      throw bindingViolation(ctx.name, field, `the ${label} value's "${field}" names another function than the bound rotator ${binding.functionArn}`);
    }
  }
  checkCustomShape(ctx, binding, fields, label);
  if (binding.shape !== 'password') return undefined;
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
  if (binding.shape !== 'password') return `custom rotator ${binding.functionArn}, ${binding.shape} shape`;
  const users = binding.mode === 'alternating-users' ? `alternating users ${binding.users.join(' and ')}` : `user ${binding.users[0]}`;
  return `custom rotator ${binding.functionArn}, ${users}`;
}

/** What `keywarden bind <secret> --custom-function <arn> [--shape <shape>] [--user <user> [--alternating]]` says. */
export interface CustomBindingFlags {
  functionArn: string;
  /** Default `password`. */
  shape?: string;
  /** Required for `password`, refused for the key shapes. */
  user?: string;
  alternating?: boolean;
}

/** The binding those flags write; parseBinding then checks it. */
export function customBindingFromFlags(secretArn: string, flags: CustomBindingFlags): CustomBinding {
  const shape = (flags.shape ?? 'password') as CustomShapeName;
  const user = flags.user ?? '';
  const base = flags.alternating && user.endsWith(CLONE_SUFFIX) ? user.slice(0, -CLONE_SUFFIX.length) : user;
  const users = flags.user === undefined ? [] : flags.alternating ? [base, `${base}${CLONE_SUFFIX}`] : [user];
  return { secretArn, engine: CUSTOM_ENGINE, functionArn: flags.functionArn, shape, mode: flags.alternating ? 'alternating-users' : 'single-user', users };
}
