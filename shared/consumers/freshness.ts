import type { Consumer, ConsumerMap } from './map';

/**
 * Freshness after a rotation: which consumers have read the secret since its version became
 * AWSCURRENT, which may still do so on their own schedule, and which are left behind. Pure: the
 * map and the times come from the caller.
 */

/** The shortest and longest a consumer is given to re-read (its interval times the multiple, clamped). */
export const MIN_GRACE_SECONDS = 300;
export const MAX_GRACE_SECONDS = 86_400;

/** How freshness is judged. */
export interface FreshnessSettings {
  /** A consumer is behind once it has not re-read within this many of its own intervals. */
  intervalMultiple: number;
}

/** Where one consumer stands. */
export type ConsumerState = 'refreshed' | 'waiting' | 'behind' | 'inactive';

/** A consumer with its state and the time it is given. */
export interface ConsumerFreshness {
  consumer: Consumer;
  state: ConsumerState;
  /** Seconds it is given after the change to re-read. */
  graceSeconds: number;
}

/** The whole picture for one secret. */
export interface FreshnessView {
  currentSince: string;
  consumers: ConsumerFreshness[];
  refreshed: number;
  waiting: number;
  behind: number;
}

/** Seconds a consumer is given to re-read: its interval times the multiple, within the bounds; the most without an interval. */
export function graceSeconds(consumer: Consumer, settings: FreshnessSettings): number {
  if (consumer.intervalSeconds === undefined) return MAX_GRACE_SECONDS;
  return Math.min(MAX_GRACE_SECONDS, Math.max(MIN_GRACE_SECONDS, Math.round(consumer.intervalSeconds * settings.intervalMultiple)));
}

/**
 * Whether a consumer was still reading when the version changed: its last read before the change
 * within its grace (a consumer that read once, at start, may hold the value however long ago that
 * was, so it counts while it is in the map's window).
 */
function activeAtChange(consumer: Consumer, changeMs: number, grace: number): boolean {
  if (consumer.intervalSeconds === undefined) return true;
  const last = Date.parse(consumer.lastRead);
  // Reads since the change that were not of the current version (AWSPREVIOUS asked for): still
  // reading, and still on the old value.
  if (last >= changeMs) return true;
  return changeMs - last <= grace * 1000;
}

/** Judges every consumer of `map` (built with `currentSince`) as of `now`. */
export function judgeFreshness(map: ConsumerMap, currentSince: string, now: Date, settings: FreshnessSettings): FreshnessView {
  const changeMs = Date.parse(currentSince);
  const view: FreshnessView = { currentSince, consumers: [], refreshed: 0, waiting: 0, behind: 0 };
  for (const consumer of map.consumers) {
    const grace = graceSeconds(consumer, settings);
    let state: ConsumerState;
    if ((consumer.readsSinceCurrent ?? 0) > 0) state = 'refreshed';
    else if (!activeAtChange(consumer, changeMs, grace)) state = 'inactive';
    else state = now.getTime() - changeMs >= grace * 1000 ? 'behind' : 'waiting';
    if (state !== 'inactive') view[state] += 1;
    view.consumers.push({ consumer, state, graceSeconds: grace });
  }
  return view;
}

/** Consumers that would break if the previous credential stopped working now: active, not refreshed (grace does not matter). */
export function wouldBreak(view: FreshnessView): ConsumerFreshness[] {
  return view.consumers.filter((c) => c.state === 'waiting' || c.state === 'behind');
}
