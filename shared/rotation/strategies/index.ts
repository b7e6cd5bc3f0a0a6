import type { RotationStrategy } from '../strategy';
import { apiKeyStrategy } from './api-key';
import { encryptionKeyringStrategy } from './encryption-keyring';
import { jwtKeysetStrategy } from './jwt-keyset';
import { passwordStrategy } from './password';

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
 * Every strategy the rotate function can choose, by tag name or by the `engine` field of a
 * database secret. Database strategies (postgres, mysql/mariadb, redis) are added here by name.
 */
export const rotationStrategies: Readonly<Record<string, RotationStrategy>> = {
  ...generatedStrategies,
};

/** The strategy registered as `name`; own keys only, so `constructor` or `__proto__` find nothing. */
export function strategyByName(name: string): RotationStrategy | undefined {
  return Object.hasOwn(rotationStrategies, name) ? rotationStrategies[name] : undefined;
}
