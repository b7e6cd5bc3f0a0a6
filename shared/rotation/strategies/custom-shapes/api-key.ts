import { createHash } from 'node:crypto';
import { apiKeyStrategy } from '../api-key';
import { parseSecretObject, secretFormatError, type SecretObject, type ValueLabel } from '../../values/json-secret';
import type { RotationContext } from '../../strategy';
import type { CustomShape } from './shape';

/**
 * An API key at a service: set sends the new key (the service must learn it) and the current
 * key's SHA-256 (which key it replaces, the way services store keys); test sends the new key, to
 * be used as a client would; revoke sends hashes only.
 */
export const apiKeyShape: CustomShape = {
  name: 'api-key',

  set(ctx, pending, current) {
    const apiKey = keyOf(ctx, pending, 'pending');
    const replaced = current.apiKey;
    return { pending: { apiKey, sha256: sha256(apiKey) }, ...(typeof replaced === 'string' && { current: { sha256: sha256(replaced) } }) };
  },

  test(ctx, pending) {
    return { pending: { apiKey: keyOf(ctx, pending, 'pending') } };
  },

  async revoke(ctx) {
    const previousValue = await ctx.previous();
    if (previousValue === undefined) return { outcome: { revoked: false, detail: `secret ${ctx.name}: no previous version, nothing to revoke` } };
    const previous = parseSecretObject(previousValue, ctx.name, 'previous').apiKey;
    const current = keyOf(ctx, parseSecretObject(await ctx.current(), ctx.name, 'current'), 'current');
    if (typeof previous !== 'string') return { outcome: { revoked: false, detail: `secret ${ctx.name}: the previous version holds no API key` } };
    // The generated strategy's revoke says why a key still current must not be revoked.
    if (previous === current) return { outcome: await apiKeyStrategy.revoke(ctx) };
    return { outcome: { revoked: true, detail: '' }, request: { previous: { sha256: sha256(previous) }, current: { sha256: sha256(current) } } };
  },
};

function keyOf(ctx: RotationContext, fields: SecretObject, label: ValueLabel): string {
  const apiKey = fields.apiKey;
  if (typeof apiKey !== 'string' || apiKey === '') throw secretFormatError(ctx.name, label, 'has no field "apiKey"');
  return apiKey;
}

/** Hex SHA-256 of the key: identifies it to the service and reveals nothing of a random key. */
function sha256(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
