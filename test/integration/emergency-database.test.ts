import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeEmergency } from '../../cli/emergency-invoker';
import { createSecret, rotate, valueAt } from '../support/db-rotation';
import { REDIS, redisAdmin, redisLogsIn, uniqueSuffix } from '../support/db-services';

// An emergency rotation of a real credential, end to end through the built bundles: the
// emergency function rotates a Redis ACL user's password (the rotate function, invoked step by
// step) and revokes the previous one, which must stop working at once while the new one works.
let admin: Redis;
const users: string[] = [];

const logsIn = redisLogsIn;

beforeAll(async () => {
  admin = await redisAdmin();
});

afterAll(async () => {
  for (const user of users) await admin.call('ACL', 'DELUSER', user);
  admin?.disconnect();
});

describe('emergency rotation of a database credential', () => {
  it('makes the leaked password useless at once, ends its sessions, and the new one works', async () => {
    const s = uniqueSuffix();
    const user = `app_${s}`;
    const master = `kwadm_${s}`;
    users.push(user, master);
    await admin.call('ACL', 'SETUSER', user, 'on', `>Initial-pw-${s}-A1!`, '~app:*', '+@read', '+@write', '+ping');
    await admin.call('ACL', 'SETUSER', master, 'on', `>Master-pw-${s}-B2!`, '~*', '&*', '+@all');
    const masterArn = await createSecret(`multitenant-ai-poc/shared/redis-master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    const name = `multitenant-ai-poc/tenant-1/cache-${s}`;
    await createSecret(name, { engine: 'redis', host: '127.0.0.1', port: REDIS.port, username: user, password: `Initial-pw-${s}-A1!`, masterarn: masterArn });
    expect((await rotate(name)).ok).toBe(true);
    const leaked = await valueAt(name);
    expect(await logsIn(leaked)).toBe(true);
    const session = new Redis({ ...REDIS, username: leaked.username, password: leaked.password, maxRetriesPerRequest: 0, retryStrategy: () => null });
    session.on('error', () => undefined);
    await session.ping();

    const report = await invokeEmergency({ secretId: name, reason: 'cache password in a screenshot', requestedBy: 'oncall', requestId: `inc-${s}` }, { kind: 'local', stage: 'ci' });

    expect(report.ok, JSON.stringify(report.secrets[0]?.steps)).toBe(true);
    const steps = Object.fromEntries(report.secrets[0]!.steps.map((step) => [step.step, step.outcome]));
    expect(steps).toMatchObject({ rotate: 'done', revoke: 'done' });
    const fresh = await valueAt(name);
    expect(fresh.password).not.toBe(leaked.password);
    expect(await logsIn(fresh)).toBe(true);
    expect(await logsIn(leaked)).toBe(false);
    await expect(session.ping()).rejects.toThrow();
    session.disconnect();
  });
});
