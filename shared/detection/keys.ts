import { createHash } from 'node:crypto';

/**
 * Names of things in the detector state. Principals, secrets and set members are stored as short
 * hashes: item keys and attribute names stay small and bounded whatever an ARN's length, and a
 * set of 1,000 members fits an item with room to spare. Evidence names come from the batch's own
 * records, never from the hashes.
 */

const HASH_CACHE_LIMIT = 100_000;
const hashes = new Map<string, string>();

/** 12 hex characters (48 bits) of SHA-256: collisions are negligible among one principal's members. */
export function shortHash(value: string): string {
  let hash = hashes.get(value);
  if (hash === undefined) {
    hash = createHash('sha256').update(value).digest('hex').slice(0, 12);
    // A bounded cache: principals and secrets repeat, event ids do not.
    if (hashes.size >= HASH_CACHE_LIMIT) hashes.clear();
    hashes.set(value, hash);
  }
  return hash;
}

const attributesByPrincipal = new Map<string, Map<string, string>>();

/**
 * The attribute `<tag>.<principal hash>` of a principal's counter or set in a shared window or
 * hour item. Memoised: the same string object every batch, so looking it up in an item (a
 * dictionary of hundreds of principals' attributes) hashes no freshly concatenated text.
 */
export function principalAttribute(tag: string, principalHash: string): string {
  let byTag = attributesByPrincipal.get(principalHash);
  if (byTag === undefined) {
    if (attributesByPrincipal.size >= HASH_CACHE_LIMIT) attributesByPrincipal.clear();
    attributesByPrincipal.set(principalHash, (byTag = new Map()));
  }
  let attribute = byTag.get(tag);
  if (attribute === undefined) byTag.set(tag, (attribute = `${tag}.${principalHash}`));
  return attribute;
}

const msByTime = new Map<string, number>();

/** Epoch ms of a record's ISO time; memoised, since a batch's events share their seconds. */
export function timeMs(iso: string): number {
  let ms = msByTime.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (msByTime.size >= 20_000) msByTime.clear();
    msByTime.set(iso, ms);
  }
  return ms;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Start (epoch ms) of the window of `minutes` holding `timeMs`. */
export function windowStartMs(timeMs: number, minutes: number): number {
  const size = minutes * MINUTE_MS;
  return Math.floor(timeMs / size) * size;
}

/** Start (epoch ms) of the hour holding `timeMs`. */
export function hourStartMs(timeMs: number): number {
  return Math.floor(timeMs / HOUR_MS) * HOUR_MS;
}

/** The shard of a principal's window and hour counters. */
export function shardOf(principalHash: string, shards: number): number {
  return shards <= 1 ? 0 : Number.parseInt(principalHash.slice(0, 8), 16) % shards;
}

const isoTimes = new Map<number, string>();

/** ISO 8601 of a window or hour start; memoised, since every batch asks for the same few dozen. */
export function isoOf(ms: number): string {
  let iso = isoTimes.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (isoTimes.size >= 10_000) isoTimes.clear();
    isoTimes.set(ms, iso);
  }
  return iso;
}

// The keys of principals, secrets and pairs recur batch after batch: each is built once, so every
// batch looks its items up by the same (already hashed) string instead of a freshly built one.
const principalKeys = new Map<string, string>();
const secretKeys = new Map<string, string>();
const pairKeys = new Map<string, Map<string, string>>();

function principalKey(principalHash: string): string {
  let key = principalKeys.get(principalHash);
  if (key === undefined) {
    if (principalKeys.size >= HASH_CACHE_LIMIT) principalKeys.clear();
    principalKeys.set(principalHash, (key = `prin#${principalHash}`));
  }
  return key;
}

function secretKey(secretHash: string): string {
  let key = secretKeys.get(secretHash);
  if (key === undefined) {
    if (secretKeys.size >= HASH_CACHE_LIMIT) secretKeys.clear();
    secretKeys.set(secretHash, (key = `secret#${secretHash}`));
  }
  return key;
}

function pairKey(principalHash: string, secretHash: string): string {
  let bySecret = pairKeys.get(principalHash);
  if (bySecret === undefined) {
    if (pairKeys.size >= HASH_CACHE_LIMIT) pairKeys.clear();
    pairKeys.set(principalHash, (bySecret = new Map()));
  }
  let key = bySecret.get(secretHash);
  if (key === undefined) {
    // A principal that reads ever new secrets is bounded too.
    if (bySecret.size >= HASH_CACHE_LIMIT) bySecret.clear();
    bySecret.set(secretHash, (key = `pair#${principalHash}#${secretHash}`));
  }
  return key;
}

/** Item keys, one function per kind of item. */
export const stateKeys = {
  /** Distinct-count sets of every principal in one shard, for one burst window. */
  window: (startMs: number, shard: number) => `win#${isoOf(startMs)}#${shard}`,
  /** Value-read counters of every principal in one shard, for one hour. */
  hour: (startMs: number, shard: number) => `hour#${isoOf(startMs)}#${shard}`,
  /** When a principal was first seen. */
  principal: principalKey,
  /** The first successful read of a secret by a principal. */
  pair: pairKey,
  /** What the trail said about a secret: decoy tag, versions moved off AWSCURRENT. */
  secret: secretKey,
  /** When the first-read learning period started. */
  learning: () => 'meta#learning',
  /** A finding that was raised (its claim), so it is published once. */
  fired: (findingId: string) => `fired#${findingId}`,
};

/** Epoch seconds for DynamoDB's TTL. */
export function epochSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
