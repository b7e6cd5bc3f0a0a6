import { createHash } from 'node:crypto';
import { parseSecretObject, secretFormatError } from '../../values/json-secret';
import { encryptionKeyringStrategy } from '../encryption-keyring';
import type { CustomShape } from './shape';
import { inUseKey, kidsChanged } from '../../values/key-list';

/**
 * A data-key ring that a service encrypts with. set sends the new primary key alone (kid, alg and
 * the key: the service cannot encrypt without it), never the older keys of the ring; test sends
 * the new key's kid and SHA-256, so the service proves it holds exactly that key without
 * keywarden sending it again; revoke sends the kids keywarden marked compromised.
 */
export const encryptionKeyringShape: CustomShape = {
  name: 'encryption-keyring',

  set(ctx, pending, current) {
    const key = primaryKey(ctx, pending);
    const replaced = current.primaryKid;
    return { pending: { kid: key.kid, alg: key.alg, key: key.key }, ...(typeof replaced === 'string' && { current: { kid: replaced } }) };
  },

  test(ctx, pending) {
    const key = primaryKey(ctx, pending);
    return { pending: { kid: key.kid, sha256: createHash('sha256').update(Buffer.from(String(key.key), 'base64')).digest('hex') } };
  },

  async revoke(ctx) {
    const outcome = await encryptionKeyringStrategy.revoke(ctx);
    if (outcome.replacementValue === undefined) return { outcome };
    const current = parseSecretObject(await ctx.current(), ctx.name, 'current');
    const marked = kidsChanged(current, parseSecretObject(outcome.replacementValue, ctx.name, 'current'), (was, now) => was?.compromised !== true && now?.compromised === true);
    return { outcome, request: { previous: { kids: marked }, current: { kid: current.primaryKid } } };
  },
};

function primaryKey(ctx: Parameters<CustomShape['test']>[0], fields: Record<string, unknown>): Record<string, unknown> {
  const key = inUseKey(ctx, fields, 'pending', 'primaryKid');
  if (!key) throw secretFormatError(ctx.name, 'pending', 'has no "primaryKid"');
  return key;
}
