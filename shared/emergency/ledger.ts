/**
 * What makes an emergency run once: a request id is claimed before any work, and a secret is
 * locked while it rotates, so a retried invoke and a second engineer running the same command at
 * once do not rotate twice. The DynamoDB adapter is shared/aws/dynamodb-emergency-ledger.ts.
 */
export interface EmergencyLedger {
  /**
   * Claims `requestId`. `claimed` when this call owns it; otherwise the earlier claim, with its
   * report when it has finished.
   */
  claimRequest(requestId: string, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; report?: unknown }>;
  /** Stores the finished report under the request id. */
  finishRequest(requestId: string, report: unknown, ttlSeconds: number): Promise<void>;
  /** Locks a secret for `requestId` until released or `ttlSeconds` pass; returns the holder if taken. */
  lockSecret(secretArn: string, requestId: string, ttlSeconds: number): Promise<{ locked: true } | { locked: false; heldBy: string }>;
  releaseSecret(secretArn: string, requestId: string): Promise<void>;
}

/** How long a request's record lives: past any Lambda timeout, long enough to replay a report. */
export const LEDGER_TTL_SECONDS = 7 * 24 * 3600;
/** How long a secret's or parameter's lock lives when its holder dies: past any Lambda timeout. */
export const LOCK_TTL_SECONDS = 20 * 60;
