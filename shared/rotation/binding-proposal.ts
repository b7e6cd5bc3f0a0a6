import { ConfigError, InvalidRequestError } from '../errors';
import { CLONE_SUFFIX, DEFAULT_PORTS, boundEngineOf, type BoundEngine, type DatabaseBinding, type RotationBinding } from './binding';
import { customBindingFromFlags, describeCustomBinding, type CustomBinding, type CustomBindingFlags } from './binding-custom';
import { describeIamAccessKeyBinding, IAM_ACCESS_KEY_ENGINE, isIamAccessKeyBinding } from './binding-iam-access-key';
import { parseBinding } from './binding-record';
import { rotationMode } from './db/rotation-mode';
import { parseDbSecret } from './db/secret';
import { STRATEGY_TAG } from './resolve-strategy';

/**
 * How an operator's intent becomes a binding (`keywarden bind`): from flags, or proposed from the
 * secret's current value for a secret that existed before bindings (`--from-current`), which the
 * operator reads before writing. Names are resolved to full ARNs by the caller.
 */

/** What `keywarden bind <secret> --engine ...` says. */
export interface BindingFlags {
  engine: string;
  host: string;
  port?: number;
  dbname?: string;
  user: string;
  alternating?: boolean;
  /** The master secret's full ARN. */
  masterArn?: string;
  plaintext?: boolean;
}

/** The binding that flags describe; an InvalidRequestError says what is wrong. */
export function bindingFromFlags(secretArn: string, flags: BindingFlags): DatabaseBinding {
  const engine = boundEngineOf(flags.engine);
  if (!engine) throw new InvalidRequestError(`--engine must be postgres, mysql, mariadb or redis, not "${flags.engine.slice(0, 40)}"`);
  const base = flags.user.endsWith(CLONE_SUFFIX) && flags.alternating ? flags.user.slice(0, -CLONE_SUFFIX.length) : flags.user;
  return checked({
    secretArn,
    engine,
    host: flags.host,
    port: flags.port ?? DEFAULT_PORTS[engine],
    ...(flags.dbname !== undefined && { dbname: flags.dbname }),
    mode: flags.alternating ? 'alternating-users' : 'single-user',
    users: flags.alternating ? [base, `${base}${CLONE_SUFFIX}`] : [flags.user],
    ...(flags.masterArn !== undefined && { masterArn: flags.masterArn }),
    transport: flags.plaintext ? 'plaintext' : 'tls',
  });
}

/**
 * The binding a secret's current value implies, as keywarden rotated it before bindings: engine
 * from `engine` (or the `keywarden:strategy` tag), host, port and database from the value, mode
 * from the `keywarden:rotation` tag or the presence of `masterarn`, the user (and its `_clone`),
 * the master resolved by the caller. Transport is TLS unless the operator passes `plaintext`.
 */
export function bindingFromCurrent(
  secret: { arn: string; name: string; tags: Readonly<Record<string, string>> },
  currentValue: string,
  options: { masterArn?: string; plaintext?: boolean },
): DatabaseBinding {
  if (secret.tags[STRATEGY_TAG] === IAM_ACCESS_KEY_ENGINE) {
    // A key's value never says whose it is, so nothing can be proposed from it.
    throw new InvalidRequestError(`secret ${secret.name} holds an IAM access key, whose value does not say which user it belongs to: bind it with --iam-user <user>`);
  }
  const value = parseDbSecret(currentValue, { secretName: secret.name, label: 'current' });
  const engine = boundEngineOf(value.engine) ?? boundEngineOf(secret.tags[STRATEGY_TAG] ?? '');
  if (!engine) throw new InvalidRequestError(`secret ${secret.name} names no database engine (field "engine" or tag ${STRATEGY_TAG}): bind it with --engine`);
  const mode = engine === 'redis' ? 'single-user' : rotationMode(secret, value);
  const base = mode === 'alternating-users' && value.username.endsWith(CLONE_SUFFIX) ? value.username.slice(0, -CLONE_SUFFIX.length) : value.username;
  return checked({
    secretArn: secret.arn,
    engine,
    host: value.host,
    port: value.port ?? DEFAULT_PORTS[engine],
    ...(value.dbname !== undefined && engine !== 'redis' && { dbname: value.dbname }),
    mode,
    users: mode === 'alternating-users' ? [base, `${base}${CLONE_SUFFIX}`] : [value.username],
    ...(options.masterArn !== undefined && { masterArn: options.masterArn }),
    transport: options.plaintext ? 'plaintext' : 'tls',
  });
}

/** The binding `keywarden bind <secret> --custom-function <arn> --user <user>` writes, checked. */
export function customBindingFromFlagsChecked(secretArn: string, flags: CustomBindingFlags): CustomBinding {
  return checked(customBindingFromFlags(secretArn, flags));
}

function checked<T extends RotationBinding>(binding: T): T {
  try {
    return parseBinding(binding, `the binding of ${binding.secretArn}`) as T;
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidRequestError(error.message.replace(/; fix it with keywarden bind$/, ''));
    throw error;
  }
}

/** One line for people: what a binding allows, no secret values (it holds none). */
export function describeBinding(binding: RotationBinding): string {
  if (isIamAccessKeyBinding(binding)) return describeIamAccessKeyBinding(binding);
  if (binding.engine === 'custom') return describeCustomBinding(binding);
  const where = `${binding.host}:${binding.port}${binding.dbname ? `/${binding.dbname}` : ''}`;
  const users = binding.mode === 'alternating-users' ? `alternating users ${binding.users.join(' and ')}` : `user ${binding.users[0]}`;
  const master = binding.masterArn ? `, master ${binding.masterArn}` : '';
  return `${engineLabel(binding.engine)} at ${where}, ${users}${master}, ${binding.transport === 'tls' ? 'verified TLS' : 'PLAINTEXT allowed'}`;
}

function engineLabel(engine: BoundEngine): string {
  return { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB', redis: 'Redis' }[engine];
}
