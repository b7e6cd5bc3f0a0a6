/**
 * The inventory as the staleness scan sees it: what ListSecrets says about each secret, never a
 * value. `shared/aws/secrets-manager-inventory.ts` implements {@link SecretInventory} over
 * ListSecrets; tests use in-memory lists.
 */

/** What the inventory holds: a Secrets Manager secret or an SSM Parameter Store SecureString. */
export type InventoryKind = 'secret' | 'parameter';

/**
 * One secret's metadata, as one ListSecrets entry carries it, or one SecureString parameter's as
 * DescribeParameters does (`kind: 'parameter'`: LastModifiedDate as lastChangedDate, no read
 * date, no rotation schedule; shared/aws/ssm-parameter-inventory.ts).
 */
export interface SecretSummary {
  /** Absent for a secret. */
  kind?: InventoryKind;
  arn: string;
  name: string;
  tags: Record<string, string>;
  createdDate?: Date;
  /** "The last date and time that this secret was modified in any way." */
  lastChangedDate?: Date;
  /** The last rotation that completed. */
  lastRotatedDate?: Date;
  /** The day the secret was last read (AWS rounds it to the date); absent when never read. */
  lastAccessedDate?: Date;
  /** When the next scheduled rotation is due, when rotation is enabled. */
  nextRotationDate?: Date;
  rotationEnabled: boolean;
  /** RotationRules.AutomaticallyAfterDays, when the rules give one. */
  rotationIntervalDays?: number;
  /** RotationRules.ScheduleExpression: a `cron()` or `rate()` schedule, when the rules give one. */
  rotationSchedule?: string;
  /** RotationRules.Duration: the rotation window (`3h`), when the rules give one. */
  rotationWindow?: string;
  rotationLambdaArn?: string;
  /** The AWS service that created the secret (e.g. `rds` for RDS-managed master passwords). */
  owningService?: string;
  /** Version id to its staging labels (SecretVersionsToStages). */
  versions: Record<string, string[]>;
  /** The account and region the secret lives in (from its ARN). */
  accountId?: string;
  region?: string;
  /** Set on a replica: the region of its primary, which is where it is rotated. */
  primaryRegion?: string;
  /** On a primary: the regions it is replicated to, with their status (ReplicationStatus). */
  replicas?: ReplicaSummary[];
}

/** One region a primary secret is replicated to (a listed replica whose PrimaryRegion points back at it). */
export interface ReplicaSummary {
  region: string;
  /** The replica's ARN. */
  arn?: string;
}

/** Reads the whole inventory, page by page; each page is one ListSecrets call. */
export interface SecretInventory {
  pages(): AsyncIterable<SecretSummary[]>;
}

/** The value of a secret's AWSCURRENT version, for the opt-in hygiene check only. */
export interface SecretValueReader {
  /** The current string value, or undefined when there is none (binary, or no current version). */
  readCurrent(arn: string): Promise<string | undefined>;
}

/** Several inventories as one (secrets, then parameters), each keeping its own pages. */
export function combinedInventory(...inventories: SecretInventory[]): SecretInventory {
  return {
    async *pages() {
      for (const inventory of inventories) yield* inventory.pages();
    },
  };
}

/**
 * Reads each value from the reader of its kind: a parameter is known by an `ssm` ARN, or by its
 * `/path` name where DescribeParameters gave no ARN; a secret always has a Secrets Manager ARN.
 */
export function valueReaderByKind(secrets: SecretValueReader, parameters: SecretValueReader): SecretValueReader {
  return { readCurrent: (arn) => (/^arn:[^:]+:ssm:/.test(arn) || arn.startsWith('/') ? parameters : secrets).readCurrent(arn) };
}

/** An inventory over a fixed list, paged like ListSecrets; for tests, forecasts and benchmarks. */
export function inventoryOf(secrets: readonly SecretSummary[], pageSize = 100): SecretInventory {
  return {
    async *pages() {
      for (let start = 0; start < secrets.length; start += pageSize) yield secrets.slice(start, start + pageSize);
    },
  };
}
