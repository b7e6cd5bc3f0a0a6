import type { RotationStrategy } from '../strategy';
import { apiKeyStrategy } from './api-key';
import { encryptionKeyringStrategy } from './encryption-keyring';
import { jwtKeysetStrategy } from './jwt-keyset';
import { mysqlStrategy } from './mysql';
import { passwordStrategy } from './password';
import { postgresStrategy } from './postgres';
import { redisStrategy } from './redis';

/**
 * The strategies that need nothing but the secret and, for databases, the database: the rotate
 * function's full registry, with the strategies that call AWS themselves, is wired in
 * shared/aws/rotation-strategies.ts.
 *
 * Strategies whose new value keywarden generates itself, by the name the `keywarden:strategy` tag
 * uses. An explicit map, never a directory scan, so the bundler sees every strategy.
 */
export const generatedStrategies: Record<string, RotationStrategy> = {
  [passwordStrategy.name]: passwordStrategy,
  [apiKeyStrategy.name]: apiKeyStrategy,
  [jwtKeysetStrategy.name]: jwtKeysetStrategy,
  [encryptionKeyringStrategy.name]: encryptionKeyringStrategy,
};

/**
 * Strategies that change a credential inside a database or cache, by the `engine` value of AWS's
 * database secret JSON (which the `keywarden:strategy` tag may also name).
 */
export const databaseStrategies: Record<string, RotationStrategy> = {
  postgres: postgresStrategy,
  mysql: mysqlStrategy,
  mariadb: mysqlStrategy,
  redis: redisStrategy,
};
