import { createHash } from 'node:crypto';
import { createDryRun } from './create-dry-run';
import { SecretTestFailedError } from '../../errors';
import { rememberSecret } from '../../redact';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import {
  asTestFailure,
  isIsoInstant,
  optionalStringField,
  parseSecretObject,
  readSecretDocument,
  secretFormatError,
  withOwnedFields,
  type SecretObject,
  type ValueLabel,
} from '../values/json-secret';
import { BASE62, randomChars } from '../values/random';
import { patternTag, type TaggedSecret } from '../values/tag-options';

/** The key's prefix: 2..16 lowercase letters or digits, default `kw`. Names the issuer to a scanner. */
export const API_KEY_PREFIX_TAG = 'keywarden:api-key-prefix';

const DEFAULT_PREFIX = 'kw';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const API_KEY_SHAPE = /^([a-z0-9]{2,16})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

/**
 * An API key split into its parts. The format `<prefix>_<body><checksum>` follows GitHub's tokens:
 * the prefix says whose key it is and the CRC32 checksum lets a secret scanner tell a real leaked
 * key from a random string without asking anyone, so it can alert with few false positives.
 */
export interface ParsedApiKey {
  prefix: string;
  /** 32 uniformly random base62 characters: about 190 bits. */
  body: string;
  /** CRC32 of `<prefix>_<body>` in 6 base62 digits. Detects typos and lookalikes; not a MAC. */
  checksum: string;
}

/** Splits a key into prefix, body and checksum; undefined when it does not have the shape of one. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = API_KEY_SHAPE.exec(key);
  if (!match) return undefined;
  const [, prefix = '', body = '', checksum = ''] = match;
  return { prefix, body, checksum };
}

/** True when `key` has the shape of a keywarden API key and its checksum matches. */
export function verifyApiKeyChecksum(key: string): boolean {
  const parsed = parseApiKey(key);
  return parsed !== undefined && checksumOf(`${parsed.prefix}_${parsed.body}`) === parsed.checksum;
}

/**
 * `sha256:` and the first 16 hex digits of the key's SHA-256: identifies a key in logs, findings
 * and revocation notes without revealing it (64 bits resist collisions among one team's keys and
 * say nothing useful about a 190-bit body).
 */
export function apiKeyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16)}`;
}

/** A fresh key with `prefix`; remembered for redaction before anyone can log it. */
export function generateApiKey(prefix: string): string {
  const head = `${prefix}_${randomChars(BASE62, BODY_LENGTH)}`;
  const key = `${head}${checksumOf(head)}`;
  rememberSecret(key);
  return key;
}

const CRC32_TABLE = buildCrc32Table();

/** CRC-32 (IEEE 802.3, as zip and PNG) of the UTF-8 bytes of `data`, as an unsigned integer. */
export function crc32(data: string | Uint8Array): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crc >>> 8) ^ (CRC32_TABLE[(crc ^ byte) & 0xff] ?? 0);
  return (crc ^ 0xffffffff) >>> 0;
}

function buildCrc32Table(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let bit = 0; bit < 8; bit += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** 62^6 > 2^32, so six digits hold any CRC32; left-padded so the key length never varies. */
function checksumOf(head: string): string {
  let value = crc32(head);
  let digits = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    digits = BASE62[value % 62] + digits;
    value = Math.floor(value / 62);
  }
  return digits;
}

/** The prefix this secret's keys carry, from its tag. */
export function apiKeyPrefix(secret: TaggedSecret): string {
  return patternTag(secret, API_KEY_PREFIX_TAG, {
    pattern: /^[a-z0-9]{2,16}$/,
    expected: '2 to 16 lowercase letters or digits',
    fallback: DEFAULT_PREFIX,
  });
}

/**
 * An API key that keywarden issues and consumers verify against the secret. Owns `apiKey`,
 * `fingerprint` and `createdAt`; every other field is kept. The key itself appears only in the
 * secret value: messages and revocation details use its fingerprint.
 */
export const apiKeyStrategy: RotationStrategy = {
  name: 'api-key',

  async create(ctx: RotationContext): Promise<string> {
    const prefix = apiKeyPrefix(ctx);
    const current = readSecretDocument(await ctx.current(), ctx.name, 'current');
    readOwnedFields(current.fields, ctx.name, 'current');
    const apiKey = generateApiKey(prefix);
    const owned = { apiKey, fingerprint: apiKeyFingerprint(apiKey), createdAt: ctx.clock.now().toISOString() };
    return withOwnedFields(current, owned);
  },

  async set(): Promise<void> {
    // No target: consumers compare presented keys with the secret (or its fingerprint).
  },

  async test(ctx: RotationContext): Promise<void> {
    const prefix = apiKeyPrefix(ctx);
    const pending = await asTestFailure(async () => readIssuedKey(await ctx.pending(), ctx.name));
    const problem = issuedKeyProblem(pending, prefix);
    if (problem) throw new SecretTestFailedError(`secret ${ctx.name}: the pending value ${problem}`);
    // No comparison with the current key: a repeat would lock nobody out, and reading it would
    // cost a GetSecretValue in every rotation.
  },

  testCurrent: (ctx: RotationContext) => createDryRun(apiKeyStrategy, ctx),

  async revoke(ctx: RotationContext): Promise<RevokeOutcome> {
    const previousValue = await ctx.previous();
    if (previousValue === undefined) {
      return { revoked: false, detail: `secret ${ctx.name} has no previous version, so there is no previous API key` };
    }
    const previous = readOwnedFields(parseSecretObject(previousValue, ctx.name, 'previous'), ctx.name, 'previous');
    if (previous.apiKey === undefined) {
      return { revoked: false, detail: `secret ${ctx.name}: the previous version holds no API key` };
    }
    const current = readOwnedFields(parseSecretObject(await ctx.current(), ctx.name, 'current'), ctx.name, 'current');
    const fingerprint = apiKeyFingerprint(previous.apiKey);
    if (current.apiKey === previous.apiKey) {
      return { revoked: false, detail: `secret ${ctx.name}: API key ${fingerprint} is still AWSCURRENT; rotate before revoking` };
    }
    return {
      revoked: false,
      detail:
        `secret ${ctx.name}: the previous API key ${fingerprint} is no longer AWSCURRENT, but keywarden cannot ` +
        `revoke it where it is accepted: every consumer must drop fingerprint ${fingerprint} now`,
    };
  },
};

interface ApiKeyFields {
  apiKey?: string;
  fingerprint?: string;
  createdAt?: string;
}

/** Owned fields by type only: a key issued before keywarden may have any format. */
function readOwnedFields(secret: SecretObject, secretName: string, label: ValueLabel): ApiKeyFields {
  const where = { secretName, label };
  return {
    apiKey: optionalStringField(secret, 'apiKey', where),
    fingerprint: optionalStringField(secret, 'fingerprint', where),
    createdAt: optionalStringField(secret, 'createdAt', where),
  };
}

function readIssuedKey(value: string, secretName: string): Required<ApiKeyFields> {
  const fields = readOwnedFields(parseSecretObject(value, secretName, 'pending'), secretName, 'pending');
  for (const field of ['apiKey', 'fingerprint', 'createdAt'] as const) {
    if (fields[field] === undefined) throw secretFormatError(secretName, 'pending', `has no field "${field}"`);
  }
  return fields as Required<ApiKeyFields>;
}

function issuedKeyProblem(fields: Required<ApiKeyFields>, prefix: string): string | undefined {
  const parsed = parseApiKey(fields.apiKey);
  if (!parsed) return 'has an API key that is not <prefix>_<32 base62><6 base62>';
  if (parsed.prefix !== prefix) return `has an API key whose prefix is not the one tag ${API_KEY_PREFIX_TAG} asks for`;
  if (!verifyApiKeyChecksum(fields.apiKey)) return 'has an API key whose checksum does not match';
  if (fields.fingerprint !== apiKeyFingerprint(fields.apiKey)) return 'has a fingerprint that does not match its API key';
  if (!isIsoInstant(fields.createdAt)) return 'has a createdAt that is not an ISO 8601 UTC instant';
  return undefined;
}
