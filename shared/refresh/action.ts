import type { RefreshActionName, RefreshTarget } from './target';

/** What every action knows of the rotation it follows. */
export interface RefreshContext {
  secretName: string;
  /** The version now AWSCURRENT. */
  versionId: string;
  /** When the rotation happened (the event's time): the same on a redelivery, so a repeat is a no-op where the target allows. */
  rotatedAt: string;
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
