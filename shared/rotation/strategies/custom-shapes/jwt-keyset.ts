import { randomBytes } from 'node:crypto';
import { CUSTOM_ROTATOR_CONTRACT } from '../../custom-rotator';
import { parseSecretObject, secretFormatError } from '../../values/json-secret';
import { jwtKeysetStrategy, publicJwkOf, signJwt, type KeysetKey } from '../jwt-keyset';
import type { CustomShape } from './shape';
import { inUseKey, kidsChanged } from '../../values/key-list';

/** How long the test token is valid: long enough for a slow service, useless once the step ends. */
const TEST_TOKEN_SECONDS = 300;

/**
 * A JWT signing keyset whose verifier (a gateway, an identity provider) holds keys by kid. set
 * sends the new key's kid and public JWK (an HS256 key's secret `k`, since a verifier of those
 * needs it); test sends a short-lived token signed with the new key, for the service to verify, so
 * no private key leaves keywarden; revoke sends the kids keywarden dropped from the keyset.
 */
export const jwtKeysetShape: CustomShape = {
  name: 'jwt-keyset',

  set(ctx, pending, current) {
    const key = activeKey(ctx, pending);
    const jwk = key.alg === 'HS256' ? { kty: 'oct', kid: key.kid, alg: key.alg, use: 'sig', k: key.k } : publicJwkOf(key);
    const replaced = current.activeKid;
    return { pending: { kid: key.kid, alg: key.alg, jwk }, ...(typeof replaced === 'string' && { current: { kid: replaced } }) };
  },

  test(ctx, pending) {
    const key = activeKey(ctx, pending);
    const iat = Math.floor(ctx.clock.now().getTime() / 1000);
    const claims = { iss: 'keywarden', sub: ctx.arn, aud: CUSTOM_ROTATOR_CONTRACT, iat, exp: iat + TEST_TOKEN_SECONDS, jti: randomBytes(12).toString('base64url') };
    return { pending: { kid: key.kid, token: signJwt(key, claims) } };
  },

  async revoke(ctx) {
    const outcome = await jwtKeysetStrategy.revoke(ctx);
    if (outcome.replacementValue === undefined) return { outcome };
    const current = parseSecretObject(await ctx.current(), ctx.name, 'current');
    const removed = kidsChanged(current, parseSecretObject(outcome.replacementValue, ctx.name, 'current'), (was, now) => was !== undefined && now === undefined);
    return { outcome, request: { previous: { kids: removed }, current: { kid: current.activeKid } } };
  },
};

function activeKey(ctx: Parameters<CustomShape['test']>[0], fields: Record<string, unknown>): KeysetKey {
  const key = inUseKey(ctx, fields, 'pending', 'activeKid');
  if (!key) throw secretFormatError(ctx.name, 'pending', 'has no "activeKid"');
  return key as KeysetKey;
}
