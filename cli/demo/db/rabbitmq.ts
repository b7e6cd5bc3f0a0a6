import { amqpLogsIn } from '../../../examples/rabbitmq-rotator/amqp-login';
import { sharedLambdaEndpoint } from '../../local/lambda-endpoint';
import { DEMO_APP, type DemoSecret } from '../secrets';
import type { SecretVersion } from './login';
import { initialPassword, type DemoDatabase } from './types';
import { resourceNames } from '../../../shared/resource-names';

/**
 * The demo's RabbitMQ: the machine's server, used only when its management API answers to
 * guest/guest from loopback, as on a developer's box or CI. tenant-1's broker user rotates with
 * the `custom` strategy through the example rotator (examples/rabbitmq-rotator), which the local
 * AWS's Lambda endpoint runs as `keywarden-<stage>-rotator-rabbitmq`, in alternating users. The
 * users carry a `kwdemo` prefix so `keywarden local down` removes exactly them.
 */
const AMQP = { host: '127.0.0.1', port: 5672, vhost: '/', timeoutMs: 3000 };
const MANAGEMENT_URL = 'http://127.0.0.1:15672';
const ADMIN = { username: 'guest', password: 'guest' };
const USER = 'kwdemo_t1_broker';
const USERS = [USER, `${USER}_clone`];

export const RABBITMQ_SECRETS = { broker: `${DEMO_APP}/tenant-1/broker-credentials` } as const;

/** The demo user's broker, ready; throws (the demo then goes on without it) when RabbitMQ does not answer. */
export async function rabbitmqDemo(stage: string): Promise<DemoDatabase> {
  await management('GET', '/api/overview').catch((error: unknown) => {
    throw new Error(`RabbitMQ's management API does not answer at ${MANAGEMENT_URL} (${(error as Error).message}); enable it with rabbitmq-plugins enable rabbitmq_management`);
  });
  // The rotate bundle and the rotator run in this process, as Lambda would run them apart: the
  // rotate bundle's Lambda client finds the local endpoint, and the rotator its configuration.
  process.env.AWS_ENDPOINT_URL_LAMBDA = (await sharedLambdaEndpoint(stage)).endpoint;
  Object.assign(process.env, {
    RABBITMQ_ROTATOR_MANAGEMENT_URL: MANAGEMENT_URL,
    RABBITMQ_ROTATOR_ADMIN_USER: ADMIN.username,
    RABBITMQ_ROTATOR_ADMIN_PASSWORD: ADMIN.password,
    RABBITMQ_ROTATOR_AMQP_HOST: AMQP.host,
    RABBITMQ_ROTATOR_AMQP_PORT: String(AMQP.port),
    RABBITMQ_ROTATOR_USER_PREFIX: 'kwdemo_',
  });
  const functionArn = `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${resourceNames(stage).customRotatorPrefix}rabbitmq`;
  return {
    label: 'RabbitMQ',
    where: `${AMQP.host}:${AMQP.port}`,
    secretNames: Object.values(RABBITMQ_SECRETS),
    rotated: [RABBITMQ_SECRETS.broker],
    reset: () => resetRabbitmq(functionArn),
    close: async () => undefined,
  };
}

/** Whether RabbitMQ accepts the secret's credential (an AMQP login to `/`). */
export function rabbitmqCredentialLogsIn(version: SecretVersion): Promise<boolean> {
  const { username, password } = JSON.parse(version.value) as { username: string; password: string };
  return amqpLogsIn(AMQP, username, password);
}

/** Deletes the demo's users, when the management API answers. */
export async function removeRabbitmqDemo(): Promise<boolean> {
  try {
    for (const user of USERS) await management('DELETE', `/api/users/${user}`);
    return true;
  } catch {
    return false;
  }
}

async function resetRabbitmq(functionArn: string): Promise<DemoSecret[]> {
  const password = initialPassword();
  for (const user of USERS) await management('DELETE', `/api/users/${user}`);
  await management('PUT', `/api/users/${USER}`, { password, tags: '' });
  await management('PUT', `/api/permissions/%2F/${USER}`, { configure: '^orders\\.', write: '^orders\\.', read: '^orders\\.' });
  return [
    {
      name: RABBITMQ_SECRETS.broker,
      strategy: 'custom',
      value: { username: USER, password, vhost: '/' },
      custom: { functionArn, user: USER, alternating: true },
    },
  ];
}

async function management(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${MANAGEMENT_URL}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(3000),
  });
  if (response.status >= 400 && !(method === 'DELETE' && response.status === 404)) throw new Error(`${method} ${path} answered ${response.status}`);
}
