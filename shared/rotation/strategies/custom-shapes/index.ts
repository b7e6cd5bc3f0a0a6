import type { RotationStrategy } from '../../strategy';
import { apiKeyStrategy } from '../api-key';
import { encryptionKeyringStrategy } from '../encryption-keyring';
import { jwtKeysetStrategy } from '../jwt-keyset';
import { apiKeyShape } from './api-key';
import { encryptionKeyringShape } from './encryption-keyring';
import { jwtKeysetShape } from './jwt-keyset';
import type { CustomShape } from './shape';

/**
 * The key shapes a custom rotator can be bound to: how the rotator sees each (the request
 * builders) and the generated strategy that makes and checks the value. An explicit map.
 */
export const customKeyShapes: Readonly<Record<CustomShape['name'], { shape: CustomShape; generated: RotationStrategy }>> = {
  'api-key': { shape: apiKeyShape, generated: apiKeyStrategy },
  'jwt-keyset': { shape: jwtKeysetShape, generated: jwtKeysetStrategy },
  'encryption-keyring': { shape: encryptionKeyringShape, generated: encryptionKeyringStrategy },
};
