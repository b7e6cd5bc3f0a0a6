import { RotationRefusedError } from '../errors';
import type { CustomBinding } from './binding-custom';
import type { IamAccessKeyBinding } from './binding-iam-access-key';
import type { Credential, DbSecret } from './db/secret';
import type { RotationContext } from './strategy';

/**
 * The binding: what an administrator decided about a database, Redis, custom-rotator or IAM access
 * key secret, kept outside the secret (a DynamoDB table the rotate function may only read, written by `keywarden bind` with an
 * operator's credentials). Whoever can write the secret's value (PutSecretValue) or its tags
 * (TagResource) controls neither: the value says *what* the credential is; the binding says *who
 * and where* it may touch. Every database step checks the values it reads against the binding and
 * connects with the binding's identity, never the value's; a custom secret's rotator function
 * (binding-custom.ts) and an access key's IAM user and role (binding-iam-access-key.ts) come from
 * the binding likewise.
 */
export type RotationBinding = DatabaseBinding | CustomBinding | IamAccessKeyBinding;

/** A database or Redis secret's binding: the server, database, users and master it may touch. */
export interface DatabaseBinding {
  /** The full ARN: a secret deleted and re-created gets a new one, and with it no binding. */
  secretArn: string;
  /** `mariadb` is `mysql`. */
  engine: BoundEngine;
  host: string;
  port: number;
  dbname?: string;
  /** Redis: `single-user` (one ACL user, whose passwords the admin user changes). */
  mode: 'single-user' | 'alternating-users';
  /** The users keywarden may touch: `[user]`, or `[user, user_clone]` for alternating users. */
  users: string[];
  /** The only master secret (full ARN) this secret may use. */
  masterArn?: string;
  /** `plaintext` only when an administrator says so (a loopback test server). */
  transport: 'tls' | 'plaintext';
}

/** The engines a binding names. */
export type BoundEngine = 'postgres' | 'mysql' | 'redis';
export const BOUND_ENGINES: readonly BoundEngine[] = ['postgres', 'mysql', 'redis'];

/** Where the rotate function reads bindings (read only). */
export interface BindingStore {
  /** The binding of the secret with exactly this ARN, or undefined when it has none. */
  get(secretArn: string): Promise<RotationBinding | undefined>;
}

/** What `keywarden bind` needs besides reading: writing, listing, removing. */
export interface BindingRegistry extends BindingStore {
  put(binding: RotationBinding): Promise<void>;
  remove(secretArn: string): Promise<boolean>;
  list(): Promise<RotationBinding[]>;
}

/** The rule id of every refusal in this module. */
export const BINDING_VIOLATION = 'rotation.binding-violation';

/** Each engine's default port, used when a value names none. */
export const DEFAULT_PORTS: Readonly<Record<BoundEngine, number>> = { postgres: 5432, mysql: 3306, redis: 6379 };

/** The database a login goes to when the value names none (MySQL: none at all). */
const DEFAULT_DBNAMES: Readonly<Record<BoundEngine, string | undefined>> = { postgres: 'postgres', mysql: undefined, redis: undefined };

/** The suffix of the second user of an alternating pair, as in AWS's templates. */
export const CLONE_SUFFIX = '_clone';

/** The engine a strategy tag or a value's `engine` field names, as a binding spells it. */
export function boundEngineOf(name: string): BoundEngine | undefined {
  if (name === 'mariadb') return 'mysql';
  return (BOUND_ENGINES as readonly string[]).includes(name) ? (name as BoundEngine) : undefined;
}

/** True for a database or Redis binding. */
export function isDatabaseBinding(binding: RotationBinding): binding is DatabaseBinding {
  return (BOUND_ENGINES as readonly string[]).includes(binding.engine);
}

/** The command that binds a secret, for messages. */
export function bindCommandFor(secretName: string): string {
  return `keywarden bind ${secretName} --from-current (then --yes), or keywarden bind ${secretName} --engine <engine> --host <host> --port <port> --user <user> [...]`;
}

/** A refusal naming the secret and the field; never a value. */
export function bindingViolation(secretName: string, field: string, problem: string): RotationRefusedError {
  return new RotationRefusedError(`secret ${secretName}: ${problem}; refused before touching any server (rule ${BINDING_VIOLATION})`, {
    rule: BINDING_VIOLATION,
    field,
  });
}

/** The secret name in a full secret ARN (without the 6-character suffix Secrets Manager adds). */
export function secretNameOfArn(arn: string): string {
  return arn.slice(arn.indexOf(':secret:') + ':secret:'.length, -7);
}

/** The binding the step runs under; a database strategy without one is refused. */
export function requireBinding(ctx: RotationContext): DatabaseBinding {
  if (!ctx.binding || !isDatabaseBinding(ctx.binding)) throw unboundRefusal(ctx.name);
  return ctx.binding;
}

/** The refusal for a database or Redis secret that no administrator bound. */
export function unboundRefusal(secretName: string): RotationRefusedError {
  return bindingViolation(
    secretName,
    'binding',
    `is a database or Redis secret with no binding, so nothing says which server and users it may touch; an administrator binds it: ${bindCommandFor(secretName)}`,
  );
}

/** Which value a check reads, for messages. */
export type BoundLabel = 'current' | 'pending' | 'previous';

/**
 * Checks a parsed value's who/where fields against the binding: engine (mysql is mariadb), host
 * (case-insensitive), port and dbname (the value's, or the engine's default), username (one of
 * the bound users), masterarn when present (the bound master's ARN or name). Throws a
 * RotationRefusedError naming the first field that disagrees.
 */
export function checkAgainstBinding(binding: DatabaseBinding, secret: DbSecret, where: { secretName: string; label: BoundLabel }): void {
  const refuse = (field: string, expected: string) =>
    bindingViolation(where.secretName, field, `the ${where.label} value's "${field}" differs from the binding (${expected})`);
  if (secret.engine !== '' && boundEngineOf(secret.engine) !== binding.engine) throw refuse('engine', `bound engine ${binding.engine}`);
  if (secret.host.toLowerCase() !== binding.host.toLowerCase()) throw refuse('host', `bound host ${binding.host}`);
  if ((secret.port ?? DEFAULT_PORTS[binding.engine]) !== binding.port) throw refuse('port', `bound port ${binding.port}`);
  if (binding.engine !== 'redis') {
    const fallback = DEFAULT_DBNAMES[binding.engine];
    if ((secret.dbname ?? fallback) !== (binding.dbname ?? fallback)) throw refuse('dbname', `bound database ${binding.dbname ?? fallback ?? 'none'}`);
  }
  if (!binding.users.includes(secret.username)) throw refuse('username', `bound user${binding.users.length > 1 ? 's' : ''} ${binding.users.join(', ')}`);
  if (secret.masterarn !== undefined && !namesMaster(binding, secret.masterarn)) {
    throw refuse('masterarn', binding.masterArn ? `bound master ${binding.masterArn}` : 'no master is bound');
  }
}

function namesMaster(binding: DatabaseBinding, masterarn: string): boolean {
  if (!binding.masterArn) return false;
  return masterarn === binding.masterArn || masterarn === secretNameOfArn(binding.masterArn);
}

/**
 * A value checked against the step's binding, with its identity replaced by the binding's: host,
 * port, database, master and transport come from the administrator, so nothing in the value
 * decides where a credential goes. Its other fields (`fields`) stay as read, for the new value.
 */
export function boundDbSecret(ctx: RotationContext, secret: DbSecret, label: BoundLabel): DbSecret {
  const binding = requireBinding(ctx);
  checkAgainstBinding(binding, secret, { secretName: ctx.name, label });
  return {
    ...secret,
    engine: binding.engine,
    host: binding.host,
    port: binding.port,
    dbname: binding.dbname ?? DEFAULT_DBNAMES[binding.engine],
    masterarn: binding.masterArn,
    ssl: secret.ssl || binding.transport === 'tls',
    transport: binding.transport,
  };
}

/** The tag that chose the mode before bindings; it may agree with the binding, never override it. */
export const ROTATION_MODE_TAG = 'keywarden:rotation';

/**
 * The rotation mode: the binding's. A `keywarden:rotation` tag that says otherwise is refused:
 * TagResource is not an administrator's decision.
 */
export function boundRotationMode(ctx: RotationContext): DatabaseBinding['mode'] {
  const binding = requireBinding(ctx);
  const tagged = ctx.tags[ROTATION_MODE_TAG];
  if (tagged !== undefined && tagged !== binding.mode) {
    throw bindingViolation(ctx.name, `tag ${ROTATION_MODE_TAG}`, `its tag ${ROTATION_MODE_TAG} differs from the bound mode ${binding.mode}; remove the tag or re-bind`);
  }
  return binding.mode;
}

/**
 * The master is never one of the users it manages: a binding (or a value) that makes the master's
 * own login a target would let a tenant reset or clone it.
 */
export function checkMasterIsNotTarget(ctx: RotationContext, master: Credential): void {
  const binding = requireBinding(ctx);
  if (binding.users.includes(master.username) || (binding.mode === 'alternating-users' && master.username === `${binding.users[0]}${CLONE_SUFFIX}`)) {
    throw bindingViolation(ctx.name, 'username', `a bound user is the login of its master secret ${binding.masterArn ?? ''}; the master is never a target`);
  }
}

/**
 * Alternating-users revocation retires the previous user: only a bound user that is not the
 * current one, and never the master.
 */
export function checkRetirable(ctx: RotationContext, previousUser: string, current: DbSecret, master: Credential): void {
  const binding = requireBinding(ctx);
  if (!binding.users.includes(previousUser) || previousUser === current.username) {
    throw bindingViolation(ctx.name, 'username', 'the previous value names a user that is not the other bound user, so it is not revoked');
  }
  if (previousUser === master.username) throw bindingViolation(ctx.name, 'username', 'the previous value names the master login, which is never revoked');
}
