import { InvalidRequestError } from '../errors';

/**
 * Secrets Manager's cron expressions (the user guide's "Rotation schedules"):
 * `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, always in UTC.
 *
 * | field | values | wildcards |
 * | --- | --- | --- |
 * | Minutes | must be 0 (windows open on the hour) | |
 * | Hours | 0-23 | `, - * /` |
 * | Day-of-month | 1-31 | `, - * ? / L W` |
 * | Month | 1-12 or JAN-DEC | `, - * /` |
 * | Day-of-week | 1-7 or SUN-SAT (1 is Sunday) | `, - * ? / L #` |
 * | Year | must be `*` (no schedule more than a year apart) | |
 *
 * One of Day-of-month and Day-of-week is `?` and the other is not (EventBridge's rule, which
 * Secrets Manager's cron follows). Hour increments restart every day: `0 4/12 * * ? *` is 04:00
 * and 16:00 each day. `L` in Day-of-month is the month's last day, `LW` its last weekday, `15W`
 * the weekday nearest the 15th within the month; in Day-of-week `L` alone is Saturday (7) and
 * `6L` the month's last Friday; `3#2` is its second Tuesday.
 */

/** A parsed cron expression: which days it opens a window on, and at which hours. */
export interface CronSchedule {
  /** Window-opening hours of a matching day, ascending. */
  hours: readonly number[];
  /** True when the UTC day (year, month 1-12, day 1-31) is one the expression selects. */
  matchesDay(year: number, month: number, day: number): boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const HOURS: FieldSpec = { name: 'Hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: 'Day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'Month', min: 1, max: 12, names: MONTHS };
const DAY_OF_WEEK: FieldSpec = { name: 'Day-of-week', min: 1, max: 7, names: WEEKDAYS };

/** Parses the six fields between `cron(` and `)`; the error names the field and what is wrong. */
export function parseCron(body: string, expression: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw cronError(expression, `has ${fields.length} field(s); Secrets Manager's cron has 6: Minutes Hours Day-of-month Month Day-of-week Year`);
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (minutes !== '0') throw cronError(expression, `Minutes must be 0 (rotation windows open on the hour), not "${clip(minutes)}"`);
  if (year !== '*') throw cronError(expression, `Year must be * (Secrets Manager allows no schedule more than a year apart), not "${clip(year)}"`);
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw cronError(expression, 'exactly one of Day-of-month and Day-of-week must be ? (the other says which days)');
  }
  const hourSet = listOf(hours, HOURS, expression);
  const months = new Set(listOf(month, MONTH, expression));
  const dayMatch = dayOfMonth === '?' ? dayOfWeekMatcher(dayOfWeek, expression) : dayOfMonthMatcher(dayOfMonth, expression);
  return {
    hours: [...new Set(hourSet)].sort((a, b) => a - b),
    matchesDay: (y, m, d) => months.has(m) && dayMatch(y, m, d),
  };
}

type DayMatcher = (year: number, month: number, day: number) => boolean;

/** Day-of-month: values, ranges, steps, `*`, `L`, `LW` and `<day>W`, comma-separated. */
function dayOfMonthMatcher(field: string, expression: string): DayMatcher {
  const terms = field.split(',').map((term): DayMatcher => {
    if (term === 'L') return (y, m, d) => d === daysInMonth(y, m);
    if (term === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m));
    const weekday = /^(\d{1,2})W$/.exec(term);
    if (weekday) {
      const target = number(weekday[1]!, DAY_OF_MONTH, expression);
      return (y, m, d) => d === nearestWeekday(y, m, Math.min(target, daysInMonth(y, m)));
    }
    if (/[LW#]/.test(term)) throw cronError(expression, `Day-of-month "${clip(term)}" is not a day, a range, a step, L, LW or <day>W`);
    const days = new Set(termValues(term, DAY_OF_MONTH, expression));
    return (_y, _m, d) => days.has(d);
  });
  return (y, m, d) => terms.some((matches) => matches(y, m, d));
}

/** Day-of-week: values, ranges, steps, `*`, `L` (Saturday), `<dow>L` and `<dow>#<n>`, comma-separated. */
function dayOfWeekMatcher(field: string, expression: string): DayMatcher {
  const terms = field.split(',').map((term): DayMatcher => {
    if (term === 'L') return (y, m, d) => weekdayOf(y, m, d) === 7;
    const last = /^([A-Za-z]{3}|\d)L$/.exec(term);
    if (last) {
      const dow = number(last[1]!, DAY_OF_WEEK, expression);
      return (y, m, d) => weekdayOf(y, m, d) === dow && d + 7 > daysInMonth(y, m);
    }
    const nth = /^([A-Za-z]{3}|\d)#(\d+)$/.exec(term);
    if (nth) {
      const dow = number(nth[1]!, DAY_OF_WEEK, expression);
      const n = Number(nth[2]);
      if (n < 1 || n > 5) throw cronError(expression, `Day-of-week "${clip(term)}": the week after # must be 1-5`);
      return (y, m, d) => weekdayOf(y, m, d) === dow && Math.ceil(d / 7) === n;
    }
    if (/[LW#]/.test(term)) throw cronError(expression, `Day-of-week "${clip(term)}" is not a weekday, a range, a step, L, <weekday>L or <weekday>#<n>`);
    const days = new Set(termValues(term, DAY_OF_WEEK, expression));
    return (y, m, d) => days.has(weekdayOf(y, m, d));
  });
  return (y, m, d) => terms.some((matches) => matches(y, m, d));
}

/** A plain field (Hours, Month): a comma-separated list of values, ranges and steps. */
function listOf(field: string, spec: FieldSpec, expression: string): number[] {
  if (field === '?') throw cronError(expression, `${spec.name} cannot be ? (only Day-of-month and Day-of-week can)`);
  return field.split(',').flatMap((term) => termValues(term, spec, expression));
}

/** `*`, `n`, `a-b`, and each of those with `/step` (`n/step` runs from n to the field's end). */
function termValues(term: string, spec: FieldSpec, expression: string): number[] {
  const [range, stepText, extra] = term.split('/');
  if (extra !== undefined || range === undefined || range === '') throw cronError(expression, `${spec.name} "${clip(term)}" is not a value, a range or a step`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d{1,2}$/.test(stepText) || Number(stepText) < 1) throw cronError(expression, `${spec.name} "${clip(term)}": the step after / must be a whole number from 1`);
    step = Number(stepText);
  }
  let from: number;
  let to: number;
  if (range === '*') [from, to] = [spec.min, spec.max];
  else if (range.includes('-')) {
    const [a, b, more] = range.split('-');
    if (more !== undefined || !a || !b) throw cronError(expression, `${spec.name} "${clip(term)}" is not a range`);
    [from, to] = [number(a, spec, expression), number(b, spec, expression)];
    if (from > to) throw cronError(expression, `${spec.name} range "${clip(range)}" runs backwards`);
  } else {
    from = number(range, spec, expression);
    to = stepText === undefined ? from : spec.max;
  }
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

function number(text: string, spec: FieldSpec, expression: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d{1,2}$/.test(text)) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    throw cronError(expression, `${spec.name} "${clip(text)}" is not a number ${spec.min}-${spec.max}${names}`);
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) throw cronError(expression, `${spec.name} ${value} is outside ${spec.min}-${spec.max}`);
  return value;
}

/** Days in a month of the proleptic Gregorian calendar (leap years: divisible by 4, not by 100 unless by 400). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of week, 1 (Sunday) to 7 (Saturday), as Secrets Manager's cron counts it. */
export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** The weekday nearest `day` without leaving the month (`W`): Saturday moves back, Sunday forward. */
function nearestWeekday(year: number, month: number, day: number): number {
  const dow = weekdayOf(year, month, day);
  const last = daysInMonth(year, month);
  if (dow === 7) return day === 1 ? 3 : day - 1;
  if (dow === 1) return day === last ? day - 2 : day + 1;
  return day;
}

function cronError(expression: string, problem: string): InvalidRequestError {
  return new InvalidRequestError(`schedule "${clip(expression, 80)}": ${problem}`);
}

/** Expressions come from tags, files and the command line: quote only a short excerpt. */
function clip(text: string, max = 20): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export { clip as clipScheduleText };
