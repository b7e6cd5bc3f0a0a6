import { InvalidRequestError } from '../errors';
import { clipScheduleText, parseCron, type CronSchedule } from './cron';

/**
 * A Secrets Manager rotation schedule: `RotationRules.ScheduleExpression` (a `rate()` or `cron()`
 * expression) and `RotationRules.Duration` (the rotation window, `<n>h`), as the user guide's
 * "Rotation schedules" defines them, all in UTC:
 *
 * - `rate(<n> hour|hours|day|days)`: at most every 4 hours, at least every 999 days. Windows
 *   start at midnight; a rate in hours opens one every n hours from midnight, restarting each
 *   day (as cron's hour increments do); a rate in days opens one at midnight every n days,
 *   counted from the last rotation (the service schedules the next from the previous one).
 * - `cron(...)`: see cron.ts. A schedule "in hours" opens more than one window a day.
 * - The window: by default one hour for a schedule in hours, and to the end of the UTC day for a
 *   schedule in days. `Duration` sets it, 1 to 24 hours; it must not reach into the next UTC day
 *   (days) or the next window (hours).
 */
export interface RotationSchedule {
  /** The expression as given. */
  expression: string;
  kind: 'rate' | 'cron';
  /** `hours` when windows open more than once a day. */
  unit: 'hours' | 'days';
  /** The Duration as given, absent for the default window. */
  duration?: string;
  /**
   * Up to `count` windows that closed at or before `before`, newest first. A rate in days counts
   * its windows from `anchor` (the last rotation, else creation) and has none before it; a cron
   * ignores the anchor.
   */
  closedWindows(before: Date, count: number, anchor?: Date): RotationWindow[];
  /** The first window that opens at or after `from` (a rate in days: counted from `anchor`). */
  nextWindow(from: Date, anchor?: Date): RotationWindow | undefined;
}

/** One rotation window: Secrets Manager rotates at some time between start and end. */
export interface RotationWindow {
  start: Date;
  end: Date;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** "You can rotate a secret as often as every four hours." */
export const MIN_HOURS_BETWEEN_ROTATIONS = 4;
/** "The maximum rotation period is 999 days." */
export const MAX_RATE_DAYS = 999;

/**
 * Parses and validates a schedule and its window. Throws an InvalidRequestError that names what is
 * wrong (the field, the value, the limit), quoting at most a short excerpt of the input.
 */
export function parseRotationSchedule(expression: string, duration?: string): RotationSchedule {
  const text = expression.trim();
  const call = /^(rate|cron)\((.*)\)$/s.exec(text);
  if (!call) throw new InvalidRequestError(`schedule "${clipScheduleText(text, 80)}" is neither rate(<n> hours|days) nor cron(<6 fields>)`);
  const windowHours = duration === undefined ? undefined : parseDuration(duration);
  const schedule = call[1] === 'rate' ? rateSchedule(text, call[2]!, windowHours) : cronSchedule(text, parseCron(call[2]!, text), windowHours);
  return duration === undefined ? schedule : { ...schedule, duration };
}

/** `Duration`: `<n>h`, 1 to 24 hours. */
export function parseDuration(duration: string): number {
  const match = /^(\d{1,2})h$/.exec(duration.trim());
  const hours = match ? Number(match[1]) : Number.NaN;
  if (!(hours >= 1 && hours <= 24)) {
    throw new InvalidRequestError(`window "${clipScheduleText(duration)}" is not a whole number of hours from 1h to 24h (for example 3h)`);
  }
  return hours;
}

function rateSchedule(expression: string, body: string, windowHours: number | undefined): RotationSchedule {
  const match = /^\s*(\d{1,4})\s+(hour|hours|day|days)\s*$/.exec(body);
  if (!match) throw new InvalidRequestError(`schedule "${clipScheduleText(expression, 80)}": a rate is rate(<n> hours) or rate(<n> days), n a positive whole number`);
  const value = Number(match[1]);
  if (match[2]!.startsWith('hour')) {
    if (value < MIN_HOURS_BETWEEN_ROTATIONS || value > 23) {
      throw new InvalidRequestError(`schedule "${expression}": a rate in hours is ${MIN_HOURS_BETWEEN_ROTATIONS} to 23 hours (Secrets Manager rotates at most every ${MIN_HOURS_BETWEEN_ROTATIONS} hours; use days beyond that)`);
    }
    const hours: number[] = [];
    for (let hour = 0; hour < 24; hour += value) hours.push(hour);
    return cronLike(expression, 'rate', { hours, matchesDay: () => true }, windowHours);
  }
  if (value < 1 || value > MAX_RATE_DAYS) throw new InvalidRequestError(`schedule "${expression}": a rate in days is 1 to ${MAX_RATE_DAYS} days`);
  const window = windowHours ?? 24;
  const windowsFrom = (from: Date, anchor: Date | undefined): number => {
    const anchorDay = Math.floor((anchor ?? from).getTime() / DAY_MS);
    const fromDay = Math.ceil(from.getTime() / DAY_MS);
    // The first midnight at or after `from` that is a whole number of periods after the anchor day
    // (the service rotates n days after the last rotation, so a window is never before the anchor).
    const periods = Math.max(1, Math.ceil((fromDay - anchorDay) / value));
    return (anchorDay + periods * value) * DAY_MS;
  };
  return {
    expression,
    kind: 'rate',
    unit: 'days',
    closedWindows: (before, count, anchor) => {
      const out: RotationWindow[] = [];
      const first = windowsFrom(anchor ?? before, anchor);
      const closed = Math.floor((before.getTime() - window * HOUR_MS - first) / (value * DAY_MS));
      for (let k = closed; k >= 0 && out.length < count; k -= 1) out.push(windowAt(first + k * value * DAY_MS, window));
      return out;
    },
    nextWindow: (from, anchor) => windowAt(windowsFrom(from, anchor), window),
  };
}

function cronSchedule(expression: string, cron: CronSchedule, windowHours: number | undefined): RotationSchedule {
  if (cron.hours.length === 0) throw new InvalidRequestError(`schedule "${expression}": Hours selects no hour`);
  return cronLike(expression, 'cron', cron, windowHours);
}

/** Any schedule of whole days and hours: a cron, or a rate in hours (every day, its hours). */
function cronLike(expression: string, kind: 'rate' | 'cron', cron: CronSchedule, windowHours: number | undefined): RotationSchedule {
  const unit = cron.hours.length > 1 ? 'hours' : 'days';
  const windowFor = (startHour: number) => windowHours ?? (unit === 'hours' ? 1 : 24 - startHour);
  // Windows are at most a year apart (checked below), so two years of days always find the next
  // one, and `count` earlier ones within `count` years.
  const starts = function* (from: Date): Generator<number> {
    const firstDay = Math.floor(from.getTime() / DAY_MS);
    for (let day = firstDay; day < firstDay + 2 * 366; day += 1) {
      if (!matches(cron, day)) continue;
      for (const hour of cron.hours) {
        const start = day * DAY_MS + hour * HOUR_MS;
        if (start >= from.getTime()) yield start;
      }
    }
  };
  const startsBackwards = function* (before: Date, years: number): Generator<number> {
    const lastDay = Math.floor(before.getTime() / DAY_MS);
    for (let day = lastDay; day > lastDay - years * 366; day -= 1) {
      if (!matches(cron, day)) continue;
      for (const hour of [...cron.hours].reverse()) yield day * DAY_MS + hour * HOUR_MS;
    }
  };
  const toWindow = (start: number) => windowAt(start, windowFor(new Date(start).getUTCHours()));
  checkCronLike(expression, cron, unit, windowHours, windowFor);
  // A cron's windows depend on the instant alone, and a scan asks every secret on the same
  // schedule about the same instant: the last answer is kept (bench: staleness-schedules).
  const closed = lastAnswer((before: Date, count: number) => {
    const out: RotationWindow[] = [];
    for (const start of startsBackwards(before, count + 1)) {
      if (out.length >= count) break;
      const window = toWindow(start);
      if (window.end.getTime() <= before.getTime()) out.push(window);
    }
    return out;
  });
  const next = lastAnswer((from: Date) => {
    const first = starts(from).next();
    return first.done ? undefined : toWindow(first.value);
  });
  return {
    expression,
    kind,
    unit,
    closedWindows: (before, count) => closed(before, count),
    nextWindow: (from) => next(from),
  };
}

/**
 * The service's limits: at most every 4 hours within a day (hour increments restart at midnight,
 * so `0 0/7` opens at 21:00 and 00:00, as the service documents for `4/12`), a window that stays
 * inside its UTC day and ends before the next one opens, and windows no more than a year apart.
 * Checked over eight years of days (two leap cycles), so 29 February and month ends are seen.
 */
function checkCronLike(
  expression: string,
  cron: CronSchedule,
  unit: 'hours' | 'days',
  windowHours: number | undefined,
  windowFor: (startHour: number) => number,
): void {
  for (const [i, hour] of cron.hours.entries()) {
    if (hour + windowFor(hour) > 24) {
      throw new InvalidRequestError(`schedule "${expression}": the ${windowHours}h window opening at ${pad(hour)}:00 reaches into the next UTC day (start hour plus window must be at most 24)`);
    }
    const next = cron.hours[i + 1];
    if (next !== undefined && next - hour < MIN_HOURS_BETWEEN_ROTATIONS) {
      throw new InvalidRequestError(`schedule "${expression}": windows at ${pad(hour)}:00 and ${pad(next)}:00 are less than ${MIN_HOURS_BETWEEN_ROTATIONS} hours apart (Secrets Manager rotates at most every ${MIN_HOURS_BETWEEN_ROTATIONS} hours)`);
    }
    if (unit === 'hours' && next !== undefined && windowFor(hour) > next - hour) {
      throw new InvalidRequestError(`schedule "${expression}": the ${windowFor(hour)}h window opening at ${pad(hour)}:00 reaches into the next window at ${pad(next)}:00`);
    }
  }
  const days = matchingDays(cron, Date.UTC(2024, 0, 1) / DAY_MS, 8 * 366);
  if (days.length === 0) throw new InvalidRequestError(`schedule "${expression}" never opens a window (no day matches it)`);
  let before = days[0]!;
  for (const day of days.slice(1)) {
    // A yearly schedule drifts by a few days with W, L and # (1W in August: the 3rd, then the 1st).
    if (day - before > 366 + 7) {
      throw new InvalidRequestError(`schedule "${expression}" leaves ${day - before} days between windows; Secrets Manager allows no schedule more than a year apart`);
    }
    before = day;
  }
}

function matches(cron: CronSchedule, day: number): boolean {
  const date = new Date(day * DAY_MS);
  return cron.matchesDay(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

function matchingDays(cron: CronSchedule, firstDay: number, count: number): number[] {
  const days: number[] = [];
  for (let day = firstDay; day < firstDay + count; day += 1) if (matches(cron, day)) days.push(day);
  return days;
}

/** `answer` keeping its last result, for the same instant (and count) asked again. */
function lastAnswer<T>(answer: (at: Date, count: number) => T): (at: Date, count?: number) => T {
  let last: { key: string; value: T } | undefined;
  return (at, count = 0) => {
    const key = `${at.getTime()}/${count}`;
    if (last?.key !== key) last = { key, value: answer(at, count) };
    return last.value;
  };
}

function windowAt(start: number, hours: number): RotationWindow {
  return { start: new Date(start), end: new Date(start + hours * HOUR_MS) };
}

function pad(hour: number): string {
  return String(hour).padStart(2, '0');
}
