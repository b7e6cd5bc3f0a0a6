import { createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';

const CONTRACT = 'keywarden.custom-rotator/1';

/**
 * A service that holds keys (an API gateway's keys by hash, a verifier's JWKs by kid, an
 * encrypting service's data keys by kid) and the custom rotator in front of it, in the test
 * process: the counterpart the custom strategy's key shapes talk to. It checks what it is given
 * the way a real one would (a JWT's signature with the key it was sent, a key's hash against
 * the key it holds), so a test fails when keywarden sends the wrong thing.
 */
export class KeyService {
  /** API keys by SHA-256 (hex), as services store them. */
  readonly apiKeys = new Set<string>();
  /** Verification keys by kid: a public JWK, or an HS256 key with its `k`. */
  readonly jwks = new Map<string, Record<string, unknown>>();
  /** Data keys by kid (standard base64), and the kids marked compromised. */
  readonly dataKeys = new Map<string, string>();
  readonly compromised = new Set<string>();

  /** The rotator: answers one request of contract keywarden.custom-rotator/1. */
  readonly handler = async (body: Record<string, unknown>): Promise<unknown> => {
    if (body.contract !== CONTRACT) return refuse('not my contract');
    const action = String(body.action);
    const act = ACTIONS[String(body.shape)]?.[action];
    if (!act) return refuse(`no ${action} for shape ${String(body.shape)}`);
    const answer = act(this, body);
    return typeof answer === 'string' ? refuse(answer) : { contract: CONTRACT, ok: true, ...answer };
  };
}

type Answer = string | { detail: string; revoked?: boolean };
type Body = Record<string, unknown>;
const field = (body: Body, part: string) => (body[part] ?? {}) as Record<string, unknown>;
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const refuse = (reason: string) => ({ contract: CONTRACT, ok: false, reason });

const ACTIONS: Record<string, Record<string, (service: KeyService, body: Body) => Answer>> = {
  'api-key': {
    set(service, body) {
      const { apiKey, sha256 } = field(body, 'pending');
      if (typeof apiKey !== 'string' || sha256Hex(apiKey) !== sha256) return 'the pending key and its hash disagree';
      const current = field(body, 'current').sha256;
      if (current !== undefined && !service.apiKeys.has(String(current))) return 'the current key is not one of ours';
      service.apiKeys.add(sha256);
      return { detail: 'key registered' };
    },
    test: (service, body) => (service.apiKeys.has(sha256Hex(String(field(body, 'pending').apiKey))) ? { detail: 'key accepted' } : 'key refused'),
    revoke(service, body) {
      const revoked = service.apiKeys.delete(String(field(body, 'previous').sha256));
      return { detail: revoked ? 'previous key deleted' : 'previous key unknown', revoked };
    },
  },
  'jwt-keyset': {
    set(service, body) {
      const { kid, jwk } = field(body, 'pending') as { kid: string; jwk: Record<string, unknown> };
      service.jwks.set(kid, jwk);
      return { detail: `kid ${kid} registered` };
    },
    test(service, body) {
      const { kid, token } = field(body, 'pending') as { kid: string; token: string };
      const jwk = service.jwks.get(kid);
      return jwk && verifiesJwt(jwk, token, String(body.secretId)) ? { detail: 'token verified' } : 'token does not verify';
    },
    revoke(service, body) {
      const kids = field(body, 'previous').kids as string[];
      for (const kid of kids) service.jwks.delete(kid);
      return { detail: `removed ${kids.length} kid(s)`, revoked: kids.length > 0 };
    },
  },
  'encryption-keyring': {
    set(service, body) {
      const { kid, key } = field(body, 'pending') as { kid: string; key: string };
      service.dataKeys.set(kid, key);
      return { detail: `data key ${kid} installed` };
    },
    test(service, body) {
      const { kid, sha256 } = field(body, 'pending') as { kid: string; sha256: string };
      const key = service.dataKeys.get(kid);
      return key !== undefined && sha256Hex(Buffer.from(key, 'base64')) === sha256 ? { detail: 'data key matches' } : 'data key differs';
    },
    revoke(service, body) {
      const kids = field(body, 'previous').kids as string[];
      for (const kid of kids) service.compromised.add(kid);
      return { detail: `marked ${kids.length} kid(s) compromised`, revoked: kids.length > 0 };
    },
  },
};

/** Verifies a compact JWS with `jwk` and checks its audience, subject and expiry. */
function verifiesJwt(jwk: Record<string, unknown>, token: string, secretId: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  const input = Buffer.from(`${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  let ok: boolean;
  if (jwk.kty === 'oct') {
    const expected = createHmac('sha256', Buffer.from(String(jwk.k), 'base64url')).update(input).digest();
    ok = expected.length === given.length && timingSafeEqual(expected, given);
  } else {
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    ok = verify('sha256', input, { key, ...(jwk.kty === 'EC' && { dsaEncoding: 'ieee-p1363' as const }) }, given);
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: string; sub?: string; exp?: number };
  return ok && claims.aud === CONTRACT && claims.sub === secretId && (claims.exp ?? 0) * 1000 > Date.now();
}
