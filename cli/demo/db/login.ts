import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dbSettings } from '../../../shared/rotation/db/settings';
import { logsIn } from '../../../shared/rotation/db/login';
import { connectMysql, mysqlTarget } from '../../../shared/rotation/db/mysql-client';
import { connectPostgres, postgresTarget } from '../../../shared/rotation/db/postgres-client';
import { connectRedis, REDIS_PORT } from '../../../shared/rotation/db/redis-client';
import { parseDbSecret, type DbSecret } from '../../../shared/rotation/db/secret';
import { describeSecret } from '../seed';
import { rabbitmqCredentialLogsIn } from './rabbitmq';
import { processLog, type LogSink } from '../../../shared/log';

/** A secret as the rotate function sees it: name, tags, and one version's value. */
export interface SecretVersion {
  name: string;
  tags: Record<string, string>;
  value: string;
}

/** The value at `stage` (AWSCURRENT unless told) with the secret's tags, or undefined when it is gone. */
export async function readVersion(client: SecretsManagerClient, name: string, stage = 'AWSCURRENT'): Promise<SecretVersion | undefined> {
  const described = await describeSecret(client, name);
  if (!described) return undefined;
  const out = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
  return { name, tags: described.tags, value: out.SecretString ?? '' };
}

/**
 * Whether the server accepts the credential in `version`, connecting exactly as the rotate
 * function would (same target, TLS settings and clients). False only when the server refuses
 * the credential; an unreachable server or a TLS failure is thrown.
 */
export function credentialLogsIn(version: SecretVersion): Promise<boolean> {
  // The demo's only custom secret is its RabbitMQ user's.
  if (version.tags['keywarden:strategy'] === 'custom') return rabbitmqCredentialLogsIn(version);
  const secret = parseDbSecret(version.value, { secretName: version.name, label: 'current' });
  const ctx = { name: version.name, tags: version.tags, log: processLog };
  return logsIn(() => open(ctx, secret));
}

function open(ctx: { name: string; tags: Record<string, string>; log: LogSink }, secret: DbSecret) {
  const secrets = [secret.password];
  switch (secret.engine) {
    case 'postgres':
      return connectPostgres(postgresTarget(ctx, secret), secret, secrets);
    case 'mysql':
    case 'mariadb':
      return connectMysql(mysqlTarget(ctx, secret), secret, secrets);
    case 'redis':
      return connectRedis({ host: secret.host, port: secret.port ?? REDIS_PORT, settings: dbSettings(ctx, secret) }, secret, secrets);
    default:
      throw new Error(`secret ${ctx.name}: the demo cannot log in to engine ${secret.engine}`);
  }
}
