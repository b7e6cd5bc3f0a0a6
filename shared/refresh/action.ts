import type { RefreshActionName, RefreshTarget } from './target';

/** What every action knows of the rotation it follows. */
export interface RefreshContext {
  secretName: string;
  /** The version now AWSCURRENT. */
  versionId: string;
  /**
   * When Secrets Manager created that version (ISO 8601), from the secret, never from the event:
   * the same on every delivery, so a repeated patch changes nothing where the target allows.
   */
  rotatedAt: string;
  /** Aborts when the batch's time budget is spent: an action stops, and the target is retried later. */
  signal: AbortSignal;
  /** A signal for one API call: the batch's budget, and the per-call deadline (KEYWARDEN_REFRESH_TIMEOUT_MS). */
  callSignal(): AbortSignal;
}

/**
 * One way of making a consumer pick up the new credential. Each lives in a file of its own under
 * shared/refresh/actions/ and is listed in actions/index.ts. `run` returns a short description of
 * what it did (names and ids only, for the log) and throws when the target refused or failed.
 */
export interface RefreshAction<T extends RefreshTarget = RefreshTarget> {
  name: T['action'];
  run(target: T, ctx: RefreshContext): Promise<string>;
}

/** The actions by name, as the refresh use case looks them up. */
export type RefreshActions = { [K in RefreshActionName]: RefreshAction<Extract<RefreshTarget, { action: K }>> };
