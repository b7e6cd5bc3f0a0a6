import { ConfigError } from '../errors';
import { BOUND_ENGINES, boundEngineOf, CLONE_SUFFIX, type DatabaseBinding, type RotationBinding } from './binding';
import { CUSTOM_ENGINE, parseCustomBinding } from './binding-custom';
import { IAM_ACCESS_KEY_ENGINE, parseIamAccessKeyBinding } from './binding-iam-access-key';

/**
 * A binding as stored (the DynamoDB item) or typed by an operator (`keywarden bind`): read as
 * input, since people and tools write the table. Only the store adapters and the CLI use it, so
 * the rotate function loads it with its DynamoDB chunk, not at a cold start.
 */

/**
 * Checks a stored binding's shape (the table is written by people and tools, so it is read as
 * input too) and returns it typed; a ConfigError names what is wrong.
 */
export function parseBinding(raw: unknown, where = 'binding'): RotationBinding {
  const fail = (problem: string) => new ConfigError(`${where}: ${problem}; fix it with keywarden bind`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fail('is not an object');
  const item = raw as Record<string, unknown>;
  const text = (name: string, required: boolean): string | undefined => {
    const value = item[name];
    if (value === undefined || value === null) {
      if (required) throw fail(`has no ${name}`);
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 2048) throw fail(`has a ${name} that is not a non-empty string`);
    return value;
  };
  const secretArn = text('secretArn', true)!;
  if (!isSecretArn(secretArn)) throw fail('has a secretArn that is not a Secrets Manager secret ARN');
  if (item.engine === IAM_ACCESS_KEY_ENGINE) return parseIamAccessKeyBinding(item, secretArn, fail);
  if (item.engine === CUSTOM_ENGINE) return parseCustomBinding(item, secretArn, fail);
  const engine = boundEngineOf(text('engine', true)!);
  if (!engine) throw fail(`has an engine that is not one of ${[...BOUND_ENGINES, IAM_ACCESS_KEY_ENGINE, CUSTOM_ENGINE].join(', ')} (or mariadb)`);
  const host = text('host', true)!;
  if (!/^[A-Za-z0-9._:-]{1,253}$/.test(host)) throw fail('has a host that is not a host name or address');
  const port = item.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw fail('has a port that is not a TCP port (1-65535)');
  const dbname = text('dbname', false);
  if (dbname !== undefined && engine === 'redis') throw fail('names a dbname, which Redis has not');
  const mode = text('mode', true);
  if (mode !== 'single-user' && mode !== 'alternating-users') throw fail('has a mode that is neither single-user nor alternating-users');
  const users = usersOf(item.users, fail);
  const masterArn = text('masterArn', false);
  if (masterArn !== undefined && !isSecretArn(masterArn)) throw fail('has a masterArn that is not a full Secrets Manager secret ARN');
  const transport = text('transport', true);
  if (transport !== 'tls' && transport !== 'plaintext') throw fail('has a transport that is neither tls nor plaintext');
  const binding: DatabaseBinding = { secretArn, engine, host, port, mode, users, transport, ...(dbname !== undefined && { dbname }), ...(masterArn !== undefined && { masterArn }) };
  checkShape(binding, fail);
  return binding;
}

function usersOf(raw: unknown, fail: (problem: string) => Error): string[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 2) throw fail('has users that are not a list of one or two user names');
  for (const user of raw) {
    if (typeof user !== 'string' || user.length === 0 || user.length > 128) throw fail('has a user that is not a non-empty name of at most 128 characters');
  }
  return raw as string[];
}

/** The rules between fields: the pair of alternating users, a master where one is needed. */
function checkShape(binding: DatabaseBinding, fail: (problem: string) => Error): void {
  if (binding.engine === 'redis') {
    if (binding.mode !== 'single-user') throw fail('binds Redis in alternating-users mode; Redis rotates one ACL user (single-user)');
    if (!binding.masterArn) throw fail('binds Redis without a master secret, which Redis rotation changes the user through');
  }
  if (binding.mode === 'single-user' && binding.users.length !== 1) throw fail('binds single-user rotation to other than exactly one user');
  if (binding.mode === 'alternating-users') {
    if (binding.users.length !== 2 || binding.users[1] !== `${binding.users[0]}${CLONE_SUFFIX}`) {
      throw fail(`binds alternating users other than a user and its ${CLONE_SUFFIX} (e.g. ["app", "app${CLONE_SUFFIX}"])`);
    }
    if (!binding.masterArn) throw fail('binds alternating users without a master secret, which creates and updates the clone');
  }
  if (binding.masterArn === binding.secretArn) throw fail('names the secret itself as its master');
}

/** True for `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`. */
export function isSecretArn(value: string): boolean {
  return /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(value);
}

