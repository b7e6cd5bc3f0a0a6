import type { RefreshActionName } from './target';

/**
 * What the refresh function remembers, so that a rotation event refreshes each target at most
 * once per version however often it arrives (SQS redelivers; anyone allowed events:PutEvents on
 * the keywarden bus can replay one). A restart is not idempotent on every target (ECS has no
 * idempotency key, and each delivery would be a deployment), so the record, not the target,
 * decides.
 */

/** One target of one version of one secret. */
export interface RefreshKey {
  secretArn: string;
  versionId: string;
  action: RefreshActionName;
  /** The target's label (`payments/api`), or the raw tag value of a refused one. */
  target: string;
}

/** A claim on a target: `token` proves it is this invocation's when it is finished or released. */
export type Claim = { outcome: 'claimed'; token: string } | { outcome: 'done' | 'busy' };

/** The record of each target's refresh, and of the targets whose last refresh failed. */
export interface RefreshRecords {
  /**
   * Claims the target before it is refreshed. `done`: refreshed for this version already;
   * `busy`: another invocation holds a live claim (it finishes or releases it; a claim whose
   * holder died lapses after a lease shorter than the queue's visibility timeout).
   */
  claim(key: RefreshKey): Promise<Claim>;
  /** The target was refreshed: it stays done for this version. */
  finish(key: RefreshKey, token: string): Promise<void>;
  /** The refresh failed or was cut short: a later event for the version may try again. */
  release(key: RefreshKey, token: string): Promise<void>;
  /** True when a refusal of this target was reported for this version already. */
  refusalReported(key: RefreshKey): Promise<boolean>;
  /** Remembers that the refusal was reported (after its finding was published). */
  recordRefusal(key: RefreshKey): Promise<void>;
  /** Remembers that the target's refresh failed (its `rotation.refresh-failed` finding is open), whatever the version. */
  markFailed(secretArn: string, action: RefreshActionName, target: string): Promise<void>;
  /** True while a failure of the target is remembered. */
  failed(secretArn: string, action: RefreshActionName, target: string): Promise<boolean>;
  /** Forgets the failure (after its resolution was published). */
  clearFailed(secretArn: string, action: RefreshActionName, target: string): Promise<void>;
}
