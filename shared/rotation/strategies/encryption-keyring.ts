import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createDryRun } from './create-dry-run';
import { SecretTestFailedError } from '../../errors';
import { rememberSecret } from '../../redact';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { asTestFailure, isIsoInstant, parseSecretObject, readSecretDocument, withOwnedFields, type SecretObject, type ValueLabel } from '../values/json-secret';
import { readKeyList, replacedInUseKid, type KeyListShape } from '../values/key-list';
import { factsWhileCurrent, rotatedFromField } from '../values/rotated-from';
import { integerTag, wordsTag, type TaggedSecret } from '../values/tag-options';

/**
 * How many keys the keyring holds, primary included: 2..100, default 3. Data encrypted under a key
 * must be re-encrypted within this many rotations minus one, or it can no longer be decrypted.
 */
export const KEYRING_MAX_KEYS_TAG = 'keywarden:keyring-max-keys';
/**
 * The acknowledgement that lets a compromised key go: the kids (comma- or space-separated) of
 * compromised keys whose data has been re-encrypted with a newer key. Without it, a key marked
 * `compromised` is kept past {@link KEYRING_MAX_KEYS_TAG}, because data that only it decrypts
 * would otherwise be lost. A tag, not a field of the value: it is set by whoever re-encrypted
 * the data (TagResource, recorded in CloudTrail), outside the JSON that applications write.
 */
export const KEYRING_REENCRYPTED_TAG = 'keywarden:keyring-reencrypted';

/** `primary` encrypts new data; `decrypt-only` keys only open data written before a rotation. */
export type KeyringKeyStatus = 'primary' | 'decrypt-only';

/** One data key. Ciphertexts should carry `kid` so a reader knows which key opens them. */
export interface KeyringKey {
  kid: string;
  alg: 'A256GCM';
  /** 32 random bytes, standard base64. */
  key: string;
  createdAt: string;
  status: KeyringKeyStatus;
  /** Set by revoke: the key leaked; data under it must be re-encrypted with the primary. */
  compromised?: boolean;
  [member: string]: unknown;
}

const ALG = 'A256GCM';
const KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const STATUSES: readonly KeyringKeyStatus[] = ['primary', 'decrypt-only'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The keyring size, from the secret's tag. */
export function keyringMaxKeys(secret: TaggedSecret): number {
  return integerTag(secret, KEYRING_MAX_KEYS_TAG, { fallback: 3, min: 2, max: 100 });
}

/** The kids whose compromised keys may be dropped, from {@link KEYRING_REENCRYPTED_TAG}. */
export function reencryptedKids(secret: TaggedSecret): ReadonlySet<string> {
  return new Set(wordsTag(secret, KEYRING_REENCRYPTED_TAG, { pattern: /^[A-Za-z0-9_-]{1,64}$/, expected: 'kids separated by commas or spaces' }));
}

/** A new primary key with a random kid; the key bytes are remembered for redaction at once. */
export function generateKeyringKey(createdAt: Date): KeyringKey {
  const key = randomBytes(KEY_BYTES).toString('base64');
  rememberSecret(key);
  return { kid: randomBytes(16).toString('base64url'), alg: ALG, key, createdAt: createdAt.toISOString(), status: 'primary' };
}

/**
 * AES-256-GCM data keys for envelope or field encryption. Owns `keys` and `primaryKid`. Each
 * rotation adds a primary key; the previous keys stay decrypt-only, newest first, and the oldest
 * fall off beyond {@link KEYRING_MAX_KEYS_TAG}, except a key marked `compromised` that
 * {@link KEYRING_REENCRYPTED_TAG} does not name: it may still be the only key for some data, so
 * it stays (the ring is then over its limit, and each rotation logs a warning naming its kid).
 *
 * Revoking cannot delete the previous keys: everything encrypted under them would become
 * unreadable, which turns a leak into data loss. Instead revoke marks every non-primary key
 * `compromised: true` and names their kids, so the owners of the data can find what was written
 * under them and re-encrypt it with the new primary. A compromised key then stays in the ring
 * (past its size limit if need be) until {@link KEYRING_REENCRYPTED_TAG} names its kid. It runs after an emergency rotation, so the leaked primary is by
 * then decrypt-only; the primary is never marked, which makes a second revoke a no-op.
 */
export const encryptionKeyringStrategy: RotationStrategy = {
  name: 'encryption-keyring',

  async create(ctx: RotationContext): Promise<string> {
    const maxKeys = keyringMaxKeys(ctx);
    const reencrypted = reencryptedKids(ctx);
    const source = await ctx.currentVersion();
    const current = readSecretDocument(source.value, ctx.name, 'current');
    const keyring = readKeyring(current.fields, ctx.name, 'current');
    const fresh = generateKeyringKey(ctx.clock.now());
    const demoted = keyring.keys.map((key): KeyringKey => (key.status === 'primary' ? { ...key, status: 'decrypt-only' } : key));
    const keys = keepWithinLimit([fresh, ...newestFirst(demoted)], maxKeys, reencrypted);
    warnIfHeldOver(ctx, keys, maxKeys);
    const note = rotatedFromField(source.versionId, noteFacts(keyring));
    return withOwnedFields(current, { keys, primaryKid: fresh.kid, ...note });
  },

  async set(): Promise<void> {
    // No target: applications read the keyring from the secret.
  },

  async test(ctx: RotationContext): Promise<void> {
    const maxKeys = keyringMaxKeys(ctx);
    const reencrypted = reencryptedKids(ctx);
    const pendingObject = await asTestFailure(async () => parseSecretObject(await ctx.pending(), ctx.name, 'pending'));
    const pending = await asTestFailure(() => readKeyring(pendingObject, ctx.name, 'pending'));
    const problem =
      primaryProblem(pending) ??
      sizeProblem(pending, maxKeys, reencrypted) ??
      continuityProblem(await replacedInUseKid(ctx, pendingObject, KEYRING), pending) ??
      droppedCompromisedProblem(await replacedCompromisedKids(ctx, pendingObject), pending, reencrypted);
    if (problem) throw new SecretTestFailedError(`secret ${ctx.name}: the pending keyring ${problem}`);
  },

  testCurrent: (ctx: RotationContext) => createDryRun(encryptionKeyringStrategy, ctx),

  async revoke(ctx: RotationContext): Promise<RevokeOutcome> {
    const current = readSecretDocument(await ctx.current(), ctx.name, 'current');
    const keyring = readKeyring(current.fields, ctx.name, 'current');
    const toMark = keyring.keys.filter((key) => key.status === 'decrypt-only' && key.compromised !== true).map((key) => key.kid);
    if (toMark.length === 0) {
      return { revoked: true, detail: `secret ${ctx.name}: no decrypt-only key left to mark compromised` };
    }
    const keys = keyring.keys.map((key) => (toMark.includes(key.kid) ? { ...key, compromised: true } : key));
    return {
      revoked: true,
      replacementValue: withOwnedFields(current, { keys }),
      detail:
        `secret ${ctx.name}: marked keys ${toMark.join(', ')} compromised; they still decrypt so no data is lost, ` +
        `but everything encrypted under them must be re-encrypted with primary key ${keyring.primaryKid ?? '(none)'}; ` +
        `they stay in the keyring until tag ${KEYRING_REENCRYPTED_TAG} names them`,
    };
  },
};

interface Keyring {
  keys: KeyringKey[];
  primaryKid?: string;
}

const KEYRING: KeyListShape = { inUseField: 'primaryKid', inUseStatus: 'primary', inUseDoes: 'encrypt', keyProblem: keyShapeProblem };

/** The owned fields, checked for shape; a fresh secret without them is an empty keyring. */
function readKeyring(secret: SecretObject, secretName: string, label: ValueLabel): Keyring {
  const { keys, inUseKid } = readKeyList<KeyringKey>(secret, secretName, label, KEYRING);
  return inUseKid === undefined ? { keys } : { keys, primaryKid: inUseKid };
}

function keyShapeProblem(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'is not a JSON object';
  const key = raw as Record<string, unknown>;
  if (typeof key.kid !== 'string' || key.kid.length === 0) return 'has no kid';
  if (key.alg !== ALG) return `has an alg other than ${ALG}`;
  if (typeof key.key !== 'string' || !BASE64.test(key.key) || Buffer.from(key.key, 'base64').length !== KEY_BYTES) {
    return `has a key that is not ${KEY_BYTES} bytes of base64`;
  }
  if (!isIsoInstant(key.createdAt)) return 'has no ISO 8601 createdAt';
  if (!(STATUSES as readonly unknown[]).includes(key.status)) return `has a status other than ${STATUSES.join(', ')}`;
  if (key.compromised !== undefined && typeof key.compromised !== 'boolean') {
    return 'has a compromised flag that is not a boolean';
  }
  return undefined;
}

function primaryProblem(keyring: Keyring): string | undefined {
  const primary = keyring.keys.find((key) => key.status === 'primary');
  if (!primary) return 'has no primary key';
  if (primary.compromised === true) return 'encrypts with a key marked compromised';
  return roundTrips(primary) ? undefined : 'has a primary key that does not decrypt what it encrypts';
}

/** A compromised key nobody has acknowledged re-encrypting away from: it must stay. */
function mustKeep(key: KeyringKey, reencrypted: ReadonlySet<string>): boolean {
  return key.compromised === true && !reencrypted.has(key.kid);
}

function newestFirst(keys: readonly KeyringKey[]): KeyringKey[] {
  return [...keys].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** The first `maxKeys` keys (newest first), and after them only the keys that {@link mustKeep}. */
function keepWithinLimit(keys: readonly KeyringKey[], maxKeys: number, reencrypted: ReadonlySet<string>): KeyringKey[] {
  return keys.filter((key, index) => index < maxKeys || mustKeep(key, reencrypted));
}

function warnIfHeldOver(ctx: RotationContext, keys: readonly KeyringKey[], maxKeys: number): void {
  if (keys.length <= maxKeys) return;
  const heldOver = keys.slice(maxKeys).map((key) => key.kid);
  ctx.log.warn('keyring over its limit: compromised keys kept until their data is re-encrypted', {
    secret: ctx.name,
    keys: keys.length,
    maxKeys,
    heldOverKids: heldOver,
    acknowledgeWith: `tag ${KEYRING_REENCRYPTED_TAG}=<kids> once nothing is encrypted under them`,
  });
}

function sizeProblem(keyring: Keyring, maxKeys: number, reencrypted: ReadonlySet<string>): string | undefined {
  const ordered = [...keyring.keys.filter((key) => key.status === 'primary'), ...newestFirst(keyring.keys.filter((key) => key.status !== 'primary'))];
  if (ordered.slice(maxKeys).every((key) => mustKeep(key, reencrypted))) return undefined;
  return `holds ${keyring.keys.length} keys; tag ${KEYRING_MAX_KEYS_TAG} allows ${maxKeys} (plus compromised keys not yet named in ${KEYRING_REENCRYPTED_TAG})`;
}

/** The facts about the replaced version that testSecret needs: its primary and its compromised kids. */
function noteFacts(keyring: Keyring): Record<string, string | null> {
  const compromised = keyring.keys.filter((key) => key.compromised === true).map((key) => key.kid);
  const facts: Record<string, string | null> = { primaryKid: keyring.primaryKid ?? null };
  if (compromised.length > 0) facts[COMPROMISED_FACT] = compromised.join(',');
  return facts;
}

const COMPROMISED_FACT = 'compromisedKids';

/** The compromised kids of the version a pending keyring replaces: from the note, else from current. */
async function replacedCompromisedKids(ctx: RotationContext, pending: SecretObject): Promise<string[]> {
  const facts = factsWhileCurrent(ctx, pending);
  if (facts !== undefined) {
    const noted = facts[COMPROMISED_FACT];
    return typeof noted === 'string' && noted.length > 0 ? noted.split(',') : [];
  }
  const current = readKeyring(parseSecretObject(await ctx.current(), ctx.name, 'current'), ctx.name, 'current');
  return current.keys.filter((key) => key.compromised === true).map((key) => key.kid);
}

/** A compromised key may leave the ring only when the re-encryption tag names it. */
function droppedCompromisedProblem(replacedCompromised: readonly string[], pending: Keyring, reencrypted: ReadonlySet<string>): string | undefined {
  const kept = new Set(pending.keys.map((key) => key.kid));
  const dropped = replacedCompromised.filter((kid) => !kept.has(kid) && !reencrypted.has(kid));
  if (dropped.length === 0) return undefined;
  return `dropped compromised keys ${dropped.join(', ')} that ${KEYRING_REENCRYPTED_TAG} does not name, so data still encrypted under them could not be read`;
}

/** Rotation must add a new primary and keep the one it replaces (`replacedKid`), or data written under it is lost. */
function continuityProblem(replacedKid: string | undefined, pending: Keyring): string | undefined {
  if (replacedKid === undefined) return undefined;
  if (pending.primaryKid === replacedKid) return 'encrypts with the same key as the current one';
  const kept = pending.keys.find((key) => key.kid === replacedKid);
  if (kept?.status !== 'decrypt-only') return 'dropped the current primary key, so data encrypted under it could not be read';
  return undefined;
}

/** AES-256-GCM with the kid as associated data, the way ciphertexts are meant to be bound to keys. */
function roundTrips(key: KeyringKey): boolean {
  const plaintext = Buffer.from('keywarden rotation test', 'utf8');
  const secret = Buffer.from(key.key, 'base64');
  const iv = randomBytes(GCM_IV_BYTES);
  const aad = Buffer.from(key.kid, 'utf8');
  const cipher = createCipheriv('aes-256-gcm', secret, iv).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const decipher = createDecipheriv('aes-256-gcm', secret, iv).setAAD(aad);
  decipher.setAuthTag(cipher.getAuthTag());
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).equals(plaintext);
  } catch {
    return false;
  }
}
