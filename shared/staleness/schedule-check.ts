import { parseRotationSchedule, type RotationSchedule } from '../schedule/rotation-schedule';
import type { SecretSummary } from './inventory';
import type { Policy } from './policies';

/**
 * What the staleness scan makes of a secret's `RotationRules.ScheduleExpression` and `Duration`:
 * when the next window opens, whether the last windows closed without a rotation, and whether the
 * policy's schedule requirements hold. Pure; ListSecrets gives everything it reads.
 */

/** How many closed windows in a row without a rotation make rotation `rotation-failing`; default. */
export const DEFAULT_MISSED_WINDOWS = 2;

/** The secret's schedule, or why it cannot be read (the service never stores an invalid one). */
export function scheduleOf(secret: SecretSummary): { schedule?: RotationSchedule; problem?: string } {
  if (secret.rotationSchedule === undefined) return {};
  const key = `${secret.rotationSchedule}\n${secret.rotationWindow ?? ''}`;
  let parsed = parsedSchedules.get(key);
  if (parsed === undefined) {
    try {
      parsed = { schedule: parseRotationSchedule(secret.rotationSchedule, secret.rotationWindow) };
    } catch (error) {
      parsed = { problem: (error as Error).message };
    }
    // Bounded: the expressions come from whoever may call RotateSecret.
    if (parsedSchedules.size >= MAX_PARSED_SCHEDULES) parsedSchedules.clear();
    parsedSchedules.set(key, parsed);
  }
  return parsed;
}

/**
 * Parsed schedules by expression and window. A scan sees the same few schedules on thousands of
 * secrets, and parsing checks eight years of days against the service's limits (about 4 ms), so
 * each is parsed once (bench: `npm run bench -- staleness-schedules`).
 */
const parsedSchedules = new Map<string, { schedule?: RotationSchedule; problem?: string }>();
const MAX_PARSED_SCHEDULES = 1000;

/** The instant the windows of a rate in days count from: the last rotation, else creation. */
function anchorOf(secret: SecretSummary): Date | undefined {
  return secret.lastRotatedDate ?? secret.createdDate;
}

/** When the next window opens (at or after `now`), by the schedule. */
export function nextScheduledRotation(secret: SecretSummary, schedule: RotationSchedule, now: Date): Date | undefined {
  return schedule.nextWindow(now, anchorOf(secret))?.start;
}

/**
 * "A window that keeps being missed": the last `count` windows that closed more than `graceMs`
 * ago all opened after the secret's last rotation (and after it was created), so none of them
 * holds a LastRotatedDate. ListSecrets keeps only the latest rotation, so a window counts as
 * missed only when that rotation came before it opened. Returns the reason, or undefined.
 */
export function missedWindowsOf(secret: SecretSummary, schedule: RotationSchedule, now: Date, graceMs: number, count: number): string | undefined {
  if (!secret.rotationEnabled) return undefined;
  const since = anchorOf(secret);
  if (since === undefined) return undefined;
  const closed = schedule.closedWindows(new Date(now.getTime() - graceMs), count, since);
  if (closed.length < count || closed.some((window) => window.start.getTime() <= since.getTime())) return undefined;
  const oldest = closed[closed.length - 1]!;
  const rotated = secret.lastRotatedDate ? `last rotated ${secret.lastRotatedDate.toISOString()}` : 'never rotated';
  return `the last ${count} rotation windows of ${schedule.expression} (from ${oldest.start.toISOString()}) closed without a rotation (${rotated})`;
}

/** Why the secret breaks its policy's schedule requirements, or undefined when it does not. */
export function schedulePolicyProblem(secret: SecretSummary, policy: Pick<Policy, 'requireSchedule' | 'requireWindow'>): string | undefined {
  // A parameter has no rotation rules at all; its own rotation (keywarden rotate) is by hand.
  if (secret.kind === 'parameter') return undefined;
  const problems: string[] = [];
  if (policy.requireSchedule) {
    if (!secret.rotationEnabled) problems.push('its policy requires a rotation schedule, and rotation is off');
    else if (secret.rotationSchedule === undefined) {
      const every = secret.rotationIntervalDays === undefined ? 'no schedule' : `only AutomaticallyAfterDays ${secret.rotationIntervalDays}`;
      problems.push(`its policy requires a cron() or rate() schedule, and its rotation rules have ${every}`);
    }
  }
  if (policy.requireWindow && secret.rotationWindow === undefined) problems.push('its policy requires a rotation window (Duration), and its rotation rules set none');
  return problems.length > 0 ? problems.join('; ') : undefined;
}
