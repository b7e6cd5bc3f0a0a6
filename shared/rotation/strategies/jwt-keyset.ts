import { createDryRun } from './create-dry-run';
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type JsonWebKey,
} from 'node:crypto';
import { promisify } from 'node:util';
import { SecretTestFailedError } from '../../errors';
import { rememberSecret } from '../../redact';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { asTestFailure, isIsoInstant, parseSecretObject, readSecretDocument, withOwnedFields, type SecretObject, type ValueLabel } from '../values/json-secret';
import { inUseKidNote, readKeyList, replacedInUseKid, type KeyListShape } from '../values/key-list';
import { choiceTag, durationTag, type TaggedSecret } from '../values/tag-options';

/** Signing algorithm of new keys: HS256, ES256 or RS256, default ES256. Existing keys keep theirs. */
export const JWT_ALG_TAG = 'keywarden:jwt-alg';
/**
 * How long a token lives at most (`3600`, `90s`, `15m`, `1h`, `7d`; default 1h, 1s..365d). The
 * previous key verifies for this long after rotation; include the time issuers cache the secret.
 */
export const JWT_MAX_TOKEN_LIFETIME_TAG = 'keywarden:jwt-max-token-lifetime';

/** The JWS algorithms a keyset can hold. */
export const JWT_ALGS = ['HS256', 'ES256', 'RS256'] as const;
/** One of {@link JWT_ALGS}. */
export type JwtAlg = (typeof JWT_ALGS)[number];
/** `active` signs new tokens; `verify-only` still verifies tokens it signed until `verifyUntil`. */
export type KeysetKeyStatus = 'active' | 'verify-only';

/**
 * One private JWK of the keyset with keywarden's bookkeeping beside the key members. Unknown
 * members a team added (`x5c`, notes) are carried along untouched.
 */
export interface KeysetKey {
  kid: string;
  alg: JwtAlg;
  use: 'sig';
  kty: string;
  status: KeysetKeyStatus;
  createdAt: string;
  verifyUntil?: string;
  [member: string]: unknown;
}

/** A public JWK, safe to publish: no private members and never a symmetric key. */
export interface PublicJwk {
  kty: 'EC' | 'RSA';
  kid: string;
  alg: 'ES256' | 'RS256';
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

const STATUSES: readonly KeysetKeyStatus[] = ['active', 'verify-only'];
const MATERIAL_MEMBERS: Readonly<Record<JwtAlg, { kty: string; members: readonly string[] }>> = {
  HS256: { kty: 'oct', members: ['k'] },
  ES256: { kty: 'EC', members: ['crv', 'x', 'y', 'd'] },
  RS256: { kty: 'RSA', members: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] },
};
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { EC: ['crv', 'x', 'y'], RSA: ['n', 'e'] };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash. */
const MIN_HMAC_KEY_BYTES = 32;
const RSA_MODULUS_BITS = 2048;

const generateKeyPairAsync = promisify(generateKeyPair);

/** The keyset's signing algorithm for new keys, from the secret's tag. */
export function jwtAlg(secret: TaggedSecret): JwtAlg {
  return choiceTag(secret, JWT_ALG_TAG, JWT_ALGS, 'ES256');
}

/** The longest token lifetime in seconds, from the secret's tag. */
export function maxTokenLifetimeSeconds(secret: TaggedSecret): number {
  return durationTag(secret, JWT_MAX_TOKEN_LIFETIME_TAG, {
    fallbackSeconds: 3_600,
    minSeconds: 1,
    maxSeconds: 365 * 86_400,
  });
}

/**
 * RFC 7638 JWK thumbprint of an EC or RSA key: a kid that any party can recompute from the public
 * key, so a kid can never point at the wrong key. HS256 keys get random kids instead, because a
 * thumbprint of a symmetric key would be a hash of the secret itself.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const kty = jwk.kty;
  const members = typeof kty === 'string' ? PUBLIC_MEMBERS[kty] : undefined;
  if (!members) throw new TypeError('a thumbprint needs an EC or RSA key');
  const required = [...members, 'kty'].sort();
  const canonical = `{${required.map((member) => `${JSON.stringify(member)}:${JSON.stringify(jwk[member])}`).join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** A new active key for `alg`; its private members are remembered for redaction at once. */
export async function generateSigningKey(alg: JwtAlg, createdAt: Date): Promise<KeysetKey> {
  const material = await generateKeyMaterial(alg);
  PRIVATE_MEMBERS.forEach((member) => rememberSecret(material[member]));
  const kid = alg === 'HS256' ? randomBytes(16).toString('base64url') : jwkThumbprint(material);
  const { kty } = MATERIAL_MEMBERS[alg];
  return { ...material, kty, kid, alg, use: 'sig', status: 'active', createdAt: createdAt.toISOString() };
}

async function generateKeyMaterial(alg: JwtAlg): Promise<Record<string, string>> {
  if (alg === 'HS256') return { kty: 'oct', k: randomBytes(MIN_HMAC_KEY_BYTES).toString('base64url') };
  const { privateKey } =
    alg === 'ES256'
      ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
      : await generateKeyPairAsync('rsa', { modulusLength: RSA_MODULUS_BITS, publicExponent: 0x10001 });
  return stringMembers(privateKey.export({ format: 'jwk' }));
}

function stringMembers(jwk: JsonWebKey): Record<string, string> {
  return Object.fromEntries(Object.entries(jwk).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The public JWKS of a keyset secret value, for verifiers: active and verify-only EC and RSA keys
 * with only their public members. Symmetric (HS256) keys are left out, since a verifier of those
 * needs the secret itself. Throws SecretFormatError when `value` is not a keyset.
 */
export function publicJwks(value: string, secretName = 'keyset'): { keys: PublicJwk[] } {
  const { keys } = readKeysetValue(value, secretName, 'current');
  return { keys: keys.filter((key) => key.kty !== 'oct').map(publicJwkOf) };
}

/** The public members of an EC or RSA key, as a verifier publishes them. */
export function publicJwkOf(key: KeysetKey): PublicJwk {
  const members = PUBLIC_MEMBERS[key.kty] ?? [];
  const publicMembers = Object.fromEntries(members.map((member) => [member, key[member]]));
  return { kty: key.kty, kid: key.kid, alg: key.alg, use: 'sig', ...publicMembers } as PublicJwk;
}

/**
 * Signing keys for JWTs, in one secret that issuers and verifiers both read. Owns `keys` (private
 * JWKs with status) and `activeKid`. Each rotation adds a new active key and keeps the previous one
 * verify-only for the longest token lifetime, so tokens issued just before the rotation still
 * verify; verify-only keys past their time are dropped. Verifiers that cache the JWKS should
 * reload it when they meet an unknown kid, since issuers sign with the new key at once.
 *
 * Revoke runs after an emergency rotation and works on the current keyset: it drops every
 * verify-only key, the leaked one included, so only the new active key verifies. Tokens issued
 * before the rotation stop verifying too; that is the price of a leak. The active key is never
 * touched, which makes a second revoke a no-op.
 */
export const jwtKeysetStrategy: RotationStrategy = {
  name: 'jwt-keyset',

  async create(ctx: RotationContext): Promise<string> {
    const alg = jwtAlg(ctx);
    const lifetimeMs = maxTokenLifetimeSeconds(ctx) * 1_000;
    const source = await ctx.currentVersion();
    const current = readSecretDocument(source.value, ctx.name, 'current');
    const keyset = readKeyset(current.fields, ctx.name, 'current');
    const now = ctx.clock.now();
    const verifyUntil = new Date(now.getTime() + lifetimeMs).toISOString();
    const kept = keyset.keys
      .filter((key) => !(key.status === 'verify-only' && Date.parse(key.verifyUntil ?? '') <= now.getTime()))
      .map((key): KeysetKey => (key.status === 'active' ? { ...key, status: 'verify-only', verifyUntil } : key));
    const fresh = await generateSigningKey(alg, now);
    const note = inUseKidNote(source.versionId, keyset.activeKid, KEYSET);
    return withOwnedFields(current, { keys: [fresh, ...kept], activeKid: fresh.kid, ...note });
  },

  async set(): Promise<void> {
    // No target: issuers and verifiers read the keyset from the secret.
  },

  async test(ctx: RotationContext): Promise<void> {
    const pendingObject = await asTestFailure(async () => parseSecretObject(await ctx.pending(), ctx.name, 'pending'));
    const pending = await asTestFailure(() => readKeyset(pendingObject, ctx.name, 'pending'));
    const problem = activeKeyProblem(pending) ?? pending.keys.map(keyUsabilityProblem).find(Boolean);
    if (problem) throw new SecretTestFailedError(`secret ${ctx.name}: the pending keyset ${problem}`);
    const continuity = continuityProblem(await replacedInUseKid(ctx, pendingObject, KEYSET), pending);
    if (continuity) throw new SecretTestFailedError(`secret ${ctx.name}: the pending keyset ${continuity}`);
  },

  testCurrent: (ctx: RotationContext) => createDryRun(jwtKeysetStrategy, ctx),

  async revoke(ctx: RotationContext): Promise<RevokeOutcome> {
    const current = readSecretDocument(await ctx.current(), ctx.name, 'current');
    const keyset = readKeyset(current.fields, ctx.name, 'current');
    const removed = keyset.keys.filter((key) => key.status === 'verify-only').map((key) => key.kid);
    const active = keyset.activeKid ?? '(none)';
    if (removed.length === 0) {
      return { revoked: true, detail: `secret ${ctx.name} holds no verify-only keys; only active key ${active} verifies` };
    }
    const replacementValue = withOwnedFields(current, { keys: keyset.keys.filter((key) => key.status === 'active') });
    return {
      revoked: true,
      replacementValue,
      detail:
        `secret ${ctx.name}: removed verify-only keys ${removed.join(', ')}; tokens they signed stop verifying ` +
        `as soon as verifiers reload the keyset, and tokens signed with active key ${active} stay valid`,
    };
  },
};

interface Keyset {
  keys: KeysetKey[];
  activeKid?: string;
}

const KEYSET: KeyListShape = { inUseField: 'activeKid', inUseStatus: 'active', inUseDoes: 'sign', keyProblem: keyShapeProblem };

function readKeysetValue(value: string, secretName: string, label: ValueLabel): Keyset {
  return readKeyset(parseSecretObject(value, secretName, label), secretName, label);
}

/** The owned fields, checked for shape; a fresh secret without them is an empty keyset. */
function readKeyset(secret: SecretObject, secretName: string, label: ValueLabel): Keyset {
  const { keys, inUseKid } = readKeyList<KeysetKey>(secret, secretName, label, KEYSET);
  return inUseKid === undefined ? { keys } : { keys, activeKid: inUseKid };
}

function keyShapeProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'is not a JSON object';
  const key = raw as Record<string, unknown>;
  if (typeof key.kid !== 'string' || key.kid.length === 0) return 'has no kid';
  if (!(JWT_ALGS as readonly unknown[]).includes(key.alg)) return `has an alg other than ${JWT_ALGS.join(', ')}`;
  if (key.use !== 'sig') return 'has a use other than "sig"';
  if (!(STATUSES as readonly unknown[]).includes(key.status)) return `has a status other than ${STATUSES.join(', ')}`;
  if (!isIsoInstant(key.createdAt)) return 'has no ISO 8601 createdAt';
  if (key.status === 'verify-only' && !isIsoInstant(key.verifyUntil)) return 'is verify-only without an ISO 8601 verifyUntil';
  return materialProblem(key, key.alg as JwtAlg);
}

function materialProblem(key: Record<string, unknown>, alg: JwtAlg): string | undefined {
  const { kty, members } = MATERIAL_MEMBERS[alg];
  if (key.kty !== kty) return `has a kty other than "${kty}" for ${alg}`;
  if (alg === 'ES256' && key.crv !== 'P-256') return 'has a crv other than "P-256" for ES256';
  const isBase64url = (member: string) => typeof key[member] === 'string' && BASE64URL.test(key[member]);
  const missing = members.filter((member) => member !== 'crv' && !isBase64url(member));
  return missing.length > 0 ? `lacks base64url member ${missing.join(', ')} of a private ${alg} key` : undefined;
}

function activeKeyProblem(keyset: Keyset): string | undefined {
  const active = keyset.keys.filter((key) => key.status === 'active');
  if (active.length !== 1) return `has ${active.length} active keys; exactly one must sign`;
  return undefined; // readKeyset has already matched activeKid to it
}

/** Rotation must add a new signing key and keep the one it replaces (`replacedKid`) for verification. */
function continuityProblem(replacedKid: string | undefined, pending: Keyset): string | undefined {
  if (replacedKid === undefined) return undefined;
  if (pending.activeKid === replacedKid) return 'signs with the same key as the current one';
  const kept = pending.keys.find((key) => key.kid === replacedKid);
  if (kept?.status !== 'verify-only') return 'dropped the current signing key, so tokens it issued would stop verifying';
  return undefined;
}

/** A real JWS signing input, so the test exercises what issuers and verifiers will do. */
function testSigningInput(key: KeysetKey): Buffer {
  const header = base64urlJson({ alg: key.alg, kid: key.kid, typ: 'JWT' });
  return Buffer.from(`${header}.${base64urlJson({ sub: 'keywarden-rotation-test', iat: 0 })}`);
}

/** Signs a JWT signing input with the private key and verifies it with the published public key. */
function keyUsabilityProblem(key: KeysetKey, index: number): string | undefined {
  try {
    return signsAndVerifies(key) ? undefined : `has keys[${index}] whose signature does not verify`;
  } catch {
    return `has keys[${index}] that is not a usable ${key.alg} key`;
  }
}

/**
 * A compact JWS (a JWT) of `claims`, signed with `key` as an issuer would sign it: the proof a
 * custom rotator's test asks its service to verify, so the private key never leaves keywarden.
 */
export function signJwt(key: KeysetKey, claims: Record<string, unknown>): string {
  const input = `${base64urlJson({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${base64urlJson(claims)}`;
  if (key.alg === 'HS256') return `${input}.${createHmac('sha256', Buffer.from(String(key.k), 'base64url')).update(input).digest('base64url')}`;
  const material = Object.fromEntries(MATERIAL_MEMBERS[key.alg].members.map((member) => [member, key[member]]));
  const privateKey = createPrivateKey({ key: { kty: key.kty, ...material }, format: 'jwk' });
  const options = key.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, ...options }).toString('base64url')}`;
}

function signsAndVerifies(key: KeysetKey): boolean {
  const input = testSigningInput(key);
  if (key.alg === 'HS256') return hmacSignsAndVerifies(key, input);
  const material = Object.fromEntries(MATERIAL_MEMBERS[key.alg].members.map((member) => [member, key[member]]));
  const privateKey = createPrivateKey({ key: { kty: key.kty, ...material }, format: 'jwk' });
  const publicKey = createPublicKey({ key: publicJwkOf(key) as unknown as JsonWebKey, format: 'jwk' });
  if (key.alg === 'RS256' && (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < RSA_MODULUS_BITS) return false;
  const options = key.alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  const signature = sign('sha256', input, { key: privateKey, ...options });
  return verify('sha256', input, { key: publicKey, ...options }, signature);
}

function hmacSignsAndVerifies(key: KeysetKey, input: Buffer): boolean {
  const secret = Buffer.from(String(key.k), 'base64url');
  if (secret.length < MIN_HMAC_KEY_BYTES) return false;
  const signature = createHmac('sha256', secret).update(input).digest();
  return timingSafeEqual(signature, createHmac('sha256', secret).update(input).digest());
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
