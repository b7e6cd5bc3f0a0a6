import { amqpLogsIn } from './amqp-login';
import { readConfig, type RotatorConfig } from './config';
import { Management } from './management';

/**
 * A custom rotator for RabbitMQ users' passwords (contract keywarden.custom-rotator/1,
 * docs/custom-rotator.md). keywarden generates the password and keeps the secret; this function
 * makes RabbitMQ accept it (set), proves it with an AMQP login (test), and cuts off the previous
 * one (revoke). It changes users through the management API with its own admin login, and only
 * users whose names start with its configured prefix.
 */
export const CONTRACT = 'keywarden.custom-rotator/1';

interface Credential {
  username: string;
  password: string;
}

type Request =
  | { action: 'set'; pending: Credential; current: Credential }
  | { action: 'test'; pending: Credential }
  | { action: 'revoke'; previous: { username: string }; current: { username: string } };

type Answer = { contract: typeof CONTRACT; ok: true; detail: string; revoked?: boolean } | { contract: typeof CONTRACT; ok: false; reason: string };

/** A request the rotator will not act on: answered `ok: false`, nothing changed. */
class Refusal extends Error {}

export async function handler(event: unknown): Promise<Answer> {
  try {
    const request = parseRequest(event);
    const config = readConfig();
    const management = new Management(config);
    for (const username of usersOf(request)) checkManaged(config, username);
    const detail = await ACTIONS[request.action](request as never, config, management);
    return { contract: CONTRACT, ok: true, ...detail };
  } catch (error) {
    if (error instanceof Refusal) return { contract: CONTRACT, ok: false, reason: error.message };
    throw error;
  }
}

const ACTIONS = {
  async set(request: Extract<Request, { action: 'set' }>, config: RotatorConfig, management: Management) {
    const { pending, current } = request;
    if (await logsIn(config, pending)) return { detail: `${pending.username} already accepts the pending password` };
    // Proof that the secret holds the user's working credential, before anything changes.
    if (!(await logsIn(config, current))) throw new Refusal(`RabbitMQ does not accept the current password of ${current.username}; nothing changed`);
    const source = await existingUser(management, current.username);
    if (pending.username === current.username) {
      await management.putUser(pending.username, { password: pending.password }, source.tags);
      return { detail: `changed the password of ${pending.username}` };
    }
    // Alternating users: the other user gets the pending password, and the current user's tags
    // and permissions; the current user is not touched, so it keeps working until revoked.
    const other = await management.user(pending.username);
    if (other?.tags.includes('administrator')) throw new Refusal(`${pending.username} is a RabbitMQ administrator; the rotator never changes one`);
    await management.putUser(pending.username, { password: pending.password }, source.tags);
    await copyPermissions(management, current.username, pending.username);
    return { detail: `set the password of ${pending.username} with the tags and permissions of ${current.username}` };
  },

  async test(request: Extract<Request, { action: 'test' }>, config: RotatorConfig) {
    if (!(await logsIn(config, request.pending))) {
      throw new Refusal(`RabbitMQ refused an AMQP login of ${request.pending.username} to vhost ${config.amqp.vhost} with the pending password`);
    }
    return { detail: `${request.pending.username} logs in to vhost ${config.amqp.vhost} with the pending password` };
  },

  async revoke(request: Extract<Request, { action: 'revoke' }>, _config: RotatorConfig, management: Management) {
    const { previous, current } = request;
    if (previous.username === current.username) {
      // One user, whose old password stopped working at set: only connections opened with it are
      // left, and RabbitMQ cannot tell which password a connection used, so all of them go.
      const closed = await management.closeConnectionsOf(current.username, 'keywarden emergency rotation');
      return { revoked: true, detail: `the previous password of ${current.username} stopped working at set; closed ${closed} connection(s) of the user (they reconnect with the current one)` };
    }
    const user = await existingUser(management, previous.username);
    await management.putUser(previous.username, { password_hash: '' }, user.tags);
    const closed = await management.closeConnectionsOf(previous.username, 'keywarden emergency rotation');
    return { revoked: true, detail: `${previous.username} can no longer log in with a password; closed ${closed} of its connection(s)` };
  },
};

async function logsIn(config: RotatorConfig, credential: Credential): Promise<boolean> {
  return amqpLogsIn(config.amqp, credential.username, credential.password);
}

async function existingUser(management: Management, name: string) {
  const user = await management.user(name);
  if (!user) throw new Refusal(`RabbitMQ has no user ${name}; create it with its permissions first (the rotator changes passwords only)`);
  if (user.tags.includes('administrator')) throw new Refusal(`${name} is a RabbitMQ administrator; the rotator never changes one`);
  return user;
}

async function copyPermissions(management: Management, from: string, to: string): Promise<void> {
  const wanted = await management.permissionsOf(from);
  for (const permission of wanted) await management.setPermission(to, permission);
  for (const held of await management.permissionsOf(to)) {
    if (!wanted.some((permission) => permission.vhost === held.vhost)) await management.clearPermission(to, held.vhost);
  }
}

function checkManaged(config: RotatorConfig, username: string): void {
  if (!username.startsWith(config.userPrefix) || username === config.admin.username) {
    throw new Refusal(`user ${username.slice(0, 64)} is not one this rotator manages (prefix ${config.userPrefix})`);
  }
}

function usersOf(request: Request): string[] {
  if (request.action === 'set') return [request.pending.username, request.current.username];
  if (request.action === 'test') return [request.pending.username];
  return [request.previous.username, request.current.username];
}

/** Reads the request as input: anything that may invoke the function could have sent it. */
function parseRequest(event: unknown): Request {
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw new Refusal('the request is not a JSON object');
  const fields = event as Record<string, unknown>;
  if (fields.contract !== CONTRACT) throw new Refusal(`the request is not contract ${CONTRACT}`);
  // RabbitMQ users have passwords: a binding to another shape is a mistake this rotator refuses.
  if (fields.shape !== undefined && fields.shape !== 'password') throw new Refusal('this rotator sets passwords only, not another shape');
  const credential = (name: string, withPassword: boolean): Credential => {
    const value = fields[name] as Record<string, unknown> | undefined;
    if (!value || typeof value !== 'object' || typeof value.username !== 'string' || value.username === '') throw new Refusal(`the request has no ${name}.username`);
    if (withPassword && (typeof value.password !== 'string' || value.password === '')) throw new Refusal(`the request has no ${name}.password`);
    return { username: value.username, password: withPassword ? (value.password as string) : '' };
  };
  switch (fields.action) {
    case 'set':
      return { action: 'set', pending: credential('pending', true), current: credential('current', true) };
    case 'test':
      return { action: 'test', pending: credential('pending', true) };
    case 'revoke':
      return { action: 'revoke', previous: { username: credential('previous', false).username }, current: { username: credential('current', false).username } };
    default:
      throw new Refusal('the request\'s action is not set, test or revoke');
  }
}
