import type { Severity } from '../finding';

/**
 * What the scan remembers between runs about the findings it has opened, so a stale secret is
 * reported once a day rather than every hour, and a secret that recovers gets its finding
 * resolved. `shared/aws/dynamodb-finding-state.ts` keeps it in DynamoDB, with a TTL.
 */

/** One open finding: a rule firing for a secret. */
export interface OpenFindingRecord {
  /** The finding's dedup key (rule and secret): the record's key. */
  dedupKey: string;
  ruleId: string;
  /**
   * The severity last sent: the resolved finding carries it, so it reaches the channels the open
   * one reached (routing is by severity) and closes the same incident.
   */
  severity?: Severity;
  secretArn: string;
  secretName: string;
  tenant?: string;
  /** When the condition was first reported (ISO). */
  openedAt: string;
  /** The UTC day (YYYY-MM-DD) of the last `open` finding sent. */
  lastPublishedDay: string;
  /**
   * When the store may forget the record (epoch seconds; DynamoDB's TTL). Refreshed each time
   * the finding is sent again; only a record nobody has seen for days expires.
   */
  expiresAt: number;
}

/** The store of open findings. It holds only open problems, so reading it all is cheap. */
export interface FindingStateStore {
  loadAll(): Promise<OpenFindingRecord[]>;
  saveAll(records: readonly OpenFindingRecord[]): Promise<void>;
  deleteAll(dedupKeys: readonly string[]): Promise<void>;
}

/** An in-memory store: for tests and for forecasts that must not touch the real one. */
export class MemoryFindingStateStore implements FindingStateStore {
  readonly records = new Map<string, OpenFindingRecord>();

  async loadAll(): Promise<OpenFindingRecord[]> {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  async saveAll(records: readonly OpenFindingRecord[]): Promise<void> {
    for (const record of records) this.records.set(record.dedupKey, { ...record });
  }

  async deleteAll(dedupKeys: readonly string[]): Promise<void> {
    for (const key of dedupKeys) this.records.delete(key);
  }
}
