import { connectRedis, REDIS_PORT, type RedisSession } from '../../../shared/rotation/db/redis-client';
import { DEMO_APP, type DemoSecret } from '../secrets';
import { initialPassword, type DemoDatabase } from './types';
import { processLog } from '../../../shared/log';

/**
 * The demo's Redis: the machine's server, used only when its default user needs no password, as
 * on a developer's box or CI. tenant-1's cache user rotates with two live passwords through an
 * admin user; both carry a `kwdemo` prefix so `keywarden local down` removes exactly them. The
 * admin's own secret is not rotated: Redis rotation changes a user through another one.
 */
const HOST = '127.0.0.1';
const USER = 'kwdemo_t1_cache';
const ADMIN = 'kwdemo_cache_admin';

export const REDIS_SECRETS = {
  cache: `${DEMO_APP}/tenant-1/session-cache`,
  admin: `${DEMO_APP}/shared/redis-admin`,
} as const;

const TARGET = { host: HOST, port: REDIS_PORT, settings: { secretName: 'the demo setup', log: processLog, plaintext: 'operator' as const, connectTimeoutMs: 3_000, statementTimeoutMs: 10_000 } };
// A default user without a password accepts any AUTH; one with a password refuses this one.
const DEFAULT_USER = { username: 'default', password: '' };

/** The demo users on the machine's server; throws when its default user cannot log in. */
export async function redisDemo(): Promise<DemoDatabase> {
  const admin = await connectRedis(TARGET, DEFAULT_USER, []);
  return {
    label: 'Redis',
    where: `${HOST}:${REDIS_PORT}`,
    secretNames: Object.values(REDIS_SECRETS),
    rotated: [REDIS_SECRETS.cache],
    reset: () => resetRedis(admin),
    close: () => admin.close(),
  };
}

/** Deletes the demo's users, when the server answers. */
export async function removeRedisDemo(): Promise<boolean> {
  const admin = await connectRedis(TARGET, DEFAULT_USER, []).catch(() => undefined);
  if (!admin) return false;
  try {
    await admin.command(['ACL', 'DELUSER', USER, ADMIN], 'removing the demo users');
    return true;
  } finally {
    await admin.close();
  }
}

async function resetRedis(admin: RedisSession): Promise<DemoSecret[]> {
  const passwords = { user: initialPassword(), admin: initialPassword() };
  const acl = (user: string, ...rules: string[]) => admin.command(['ACL', 'SETUSER', user, 'reset', 'on', ...rules], 'setting up a demo user');
  await acl(USER, `>${passwords.user}`, '~session:*', '+@read', '+@write', '+ping');
  await acl(ADMIN, `>${passwords.admin}`, '~*', '&*', '+@all');
  const base = { engine: 'redis', host: HOST, port: REDIS_PORT };
  return [
    {
      name: REDIS_SECRETS.cache,
      strategy: 'redis',
      value: { ...base, username: USER, password: passwords.user, masterarn: REDIS_SECRETS.admin },
      // The machine's Redis has no TLS: the administrator allows plaintext to this loopback server.
      bind: { engine: 'redis', host: HOST, port: REDIS_PORT, user: USER, master: REDIS_SECRETS.admin, plaintext: true },
    },
    { name: REDIS_SECRETS.admin, strategy: 'redis', value: { ...base, username: ADMIN, password: passwords.admin } },
  ];
}
