/**
 * The rotator's own configuration, from its function's environment: where RabbitMQ is, the admin
 * login it changes passwords with, and which users it may touch. Nothing here comes from a
 * request: keywarden sends only the credentials an action needs.
 */
export interface RotatorConfig {
  /** The management plugin's HTTP API, e.g. `http://rabbitmq.internal:15672`. */
  managementUrl: string;
  admin: { username: string; password: string };
  amqp: { host: string; port: number; vhost: string; timeoutMs: number };
  /** Only users whose names start with this are ever changed (never the admin). */
  userPrefix: string;
}

/** Reads the configuration at each invocation; a missing setting fails the invocation, naming it. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RotatorConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`the rabbitmq rotator's setting ${name} is not set`);
    return value;
  };
  const managementUrl = required('RABBITMQ_ROTATOR_MANAGEMENT_URL').replace(/\/+$/, '');
  const port = Number(env.RABBITMQ_ROTATOR_AMQP_PORT?.trim() || '5672');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('RABBITMQ_ROTATOR_AMQP_PORT is not a TCP port');
  const userPrefix = required('RABBITMQ_ROTATOR_USER_PREFIX');
  return {
    managementUrl,
    admin: { username: required('RABBITMQ_ROTATOR_ADMIN_USER'), password: required('RABBITMQ_ROTATOR_ADMIN_PASSWORD') },
    amqp: {
      host: env.RABBITMQ_ROTATOR_AMQP_HOST?.trim() || new URL(managementUrl).hostname,
      port,
      vhost: env.RABBITMQ_ROTATOR_VHOST?.trim() || '/',
      timeoutMs: 5000,
    },
    userPrefix,
  };
}
