import { amqpLogsIn } from '../../examples/rabbitmq-rotator/amqp-login';

/**
 * The machine's RabbitMQ (AMQP on 5672, the management plugin on 15672, guest/guest from
 * loopback), as tests reach it: users created and removed through the management API, logins
 * checked with a real AMQP handshake.
 */
export const RABBITMQ = { host: '127.0.0.1', port: 5672, managementUrl: 'http://127.0.0.1:15672', admin: { username: 'guest', password: 'guest' } };

const auth = `Basic ${Buffer.from(`${RABBITMQ.admin.username}:${RABBITMQ.admin.password}`).toString('base64')}`;

/** A management API call as the admin; throws on an unexpected status. */
export async function rabbitAdmin(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${RABBITMQ.managementUrl}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status >= 400 && !(method === 'DELETE' && response.status === 404)) throw new Error(`RabbitMQ management ${method} ${path}: ${response.status}`);
  return response;
}

/** A clear error when RabbitMQ or its management plugin does not answer. */
export async function requireRabbitMq(): Promise<void> {
  try {
    await rabbitAdmin('GET', '/api/overview');
  } catch (error) {
    throw new Error(
      `RabbitMQ's management API does not answer at ${RABBITMQ.managementUrl} (${(error as Error).message}): start RabbitMQ and run rabbitmq-plugins enable rabbitmq_management`,
    );
  }
}

/** Creates a user with `password` and full permissions on vhost `/`. */
export async function createRabbitUser(name: string, password: string): Promise<void> {
  await rabbitAdmin('PUT', `/api/users/${encodeURIComponent(name)}`, { password, tags: '' });
  await rabbitAdmin('PUT', `/api/permissions/%2F/${encodeURIComponent(name)}`, { configure: '.*', write: '.*', read: '.*' });
}

export async function deleteRabbitUser(name: string): Promise<void> {
  await rabbitAdmin('DELETE', `/api/users/${encodeURIComponent(name)}`);
}

/** Whether RabbitMQ accepts an AMQP login to `/` with this credential. */
export function rabbitLogsIn(credential: { username: string; password: string }): Promise<boolean> {
  return amqpLogsIn({ host: RABBITMQ.host, port: RABBITMQ.port, vhost: '/', timeoutMs: 5000 }, credential.username, credential.password);
}

/** The environment the example rotator reads (examples/rabbitmq-rotator/config.ts). */
export function rabbitRotatorEnv(userPrefix: string): Record<string, string> {
  return {
    RABBITMQ_ROTATOR_MANAGEMENT_URL: RABBITMQ.managementUrl,
    RABBITMQ_ROTATOR_ADMIN_USER: RABBITMQ.admin.username,
    RABBITMQ_ROTATOR_ADMIN_PASSWORD: RABBITMQ.admin.password,
    RABBITMQ_ROTATOR_AMQP_HOST: RABBITMQ.host,
    RABBITMQ_ROTATOR_AMQP_PORT: String(RABBITMQ.port),
    RABBITMQ_ROTATOR_USER_PREFIX: userPrefix,
  };
}
