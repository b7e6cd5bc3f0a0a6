import { createHash } from 'node:crypto';
import { ConfigError, KeywardenError } from '../errors';
import { resourceNames } from '../resource-names';
import { stageNamed } from '../settings/fields';
import { readSettings } from '../settings/read';

/**
 * The rotation ledger: what keywarden itself wrote, kept where the writers of a secret cannot
 * write (a DynamoDB table only keywarden's roles may write; adapter
 * shared/aws/dynamodb-rotation-ledger.ts). It answers two questions a secret's value cannot:
 * did keywarden create this pending value, and did the emergency function ask for this
 * revocation.
 */

/** What the ledger knows of one pending version. Times are epoch seconds. */
export interface PendingRecord {
  /**
   * The SHA-256 (hex) of each value a createSecret attempt generated for this version, recorded
   * before the attempt stored it. A version's value never changes once stored, and only one
   * attempt's value can be stored; a retried or concurrent attempt adds its own hash.
   */
  hashes: readonly string[];
  /** When testSecret proved the stored value works; finishSecret promotes only a tested value. */
  testedAt?: number;
  /** When finishSecret made the version AWSCURRENT; a finished version is never pending again. */
  finishedAt?: number;
}

/** A revocation the emergency function asked for. */
export interface RevokeGrant {
  /** The emergency request that asked for it (for the log and the finding). */
  requestId: string;
}

/** The rotate function's side of the ledger: pending versions, and the grants it checks. */
export interface RotationLedger {
  /** Adds `sha256` to the version's record (creating it, with `ttlSeconds` to live). */
  addPendingHash(secretArn: string, versionId: string, sha256: string, ttlSeconds: number): Promise<void>;
  /** The version's record; undefined when there is none or it has expired. Strongly consistent. */
  pendingRecord(secretArn: string, versionId: string): Promise<PendingRecord | undefined>;
  /** Stamps `testedAt` or `finishedAt` on an existing record (never creates one). */
  markPending(secretArn: string, versionId: string, mark: 'testedAt' | 'finishedAt', atSeconds: number): Promise<void>;
  /** The emergency function's grant to revoke for rotation `token`; undefined when none is live. */
  revokeGrant(secretArn: string, token: string): Promise<RevokeGrant | undefined>;
}

/** The emergency function's side of the ledger: it may only grant revocations. */
export interface RevokeGrants {
  /** Records that request `requestId` asks the rotate function to revoke for rotation `token`. */
  grantRevoke(secretArn: string, token: string, requestId: string, ttlSeconds: number): Promise<void>;
}

/**
 * How long a pending record lives: 90 days, so a rotation stuck for weeks (found by the next
 * `keywarden doctor`, or by an emergency) can still be finished. After that the version is
 * treated as one keywarden did not make: discarded, never executed.
 */
export const PENDING_RECORD_TTL_SECONDS = 90 * 24 * 3600;

/**
 * How long a revocation grant lives: the emergency function writes it right before it invokes
 * the rotate function, which checks it at once; SDK retries fit well inside 15 minutes.
 */
export const REVOKE_GRANT_TTL_SECONDS = 15 * 60;

/** The SHA-256 (hex) of exactly the UTF-8 text stored as the secret's value. */
export function pendingValueHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The rotation ledger table's name for a stage. */
export const rotationLedgerTableName = (stage: string) => resourceNames(stage).tables.rotationLedger;

/**
 * The ledger table from the environment: `KEYWARDEN_ROTATION_LEDGER_TABLE`, else derived from
 * `KEYWARDEN_STAGE`. Read when a step first needs the ledger, so a bad environment fails that
 * invocation with this message rather than the function's init.
 */
export function rotationLedgerTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return readSettings({ table: stageNamed('KEYWARDEN_ROTATION_LEDGER_TABLE', rotationLedgerTableName) }, env).table;
  } catch (error) {
    // Not a ConfigError: a repair reads that as "this pending value can never work" and discards
    // it, while a missing ledger says nothing about the value.
    if (error instanceof ConfigError) throw new KeywardenError(error.message);
    throw error;
  }
}

/**
 * A ledger that is built on first use: the rotate function loads the DynamoDB adapter (and its
 * SDK client) through `await import()` here, so its cold init does not parse them.
 */
export function lazyRotationLedger(load: () => Promise<RotationLedger>): RotationLedger {
  let loaded: Promise<RotationLedger> | undefined;
  const ledger = () => {
    loaded ??= load();
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  return {
    addPendingHash: async (...args) => (await ledger()).addPendingHash(...args),
    pendingRecord: async (...args) => (await ledger()).pendingRecord(...args),
    markPending: async (...args) => (await ledger()).markPending(...args),
    revokeGrant: async (...args) => (await ledger()).revokeGrant(...args),
  };
}
