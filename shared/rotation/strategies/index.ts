import type { RotationStrategy } from '../strategy';
import { apiKeyStrategy } from './api-key';
import { customStrategy } from './custom-lazy';
import { encryptionKeyringStrategy } from './encryption-keyring';
import { iamAccessKeyStrategy } from './iam-access-key-lazy';
import { jwtKeysetStrategy } from './jwt-keyset';
import { mysqlStrategy } from './mysql';
import { passwordStrategy } from './password';
import { postgresStrategy } from './postgres';
import { redisStrategy } from './redis';

/**
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

/**
 * Every strategy the rotate function can choose, by tag name or by the `engine` field of a
 * database secret.
 */
export const rotationStrategies: Readonly<Record<string, RotationStrategy>> = {
  ...generatedStrategies,
  ...databaseStrategies,
  [iamAccessKeyStrategy.name]: iamAccessKeyStrategy,
  [customStrategy.name]: customStrategy,
};

/** The strategy registered as `name`; own keys only, so `constructor` or `__proto__` find nothing. */
export function strategyByName(name: string): RotationStrategy | undefined {
  return Object.hasOwn(rotationStrategies, name) ? rotationStrategies[name] : undefined;
}
