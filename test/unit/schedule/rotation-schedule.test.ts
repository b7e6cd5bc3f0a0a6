import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../shared/errors';
import { parseDuration, parseRotationSchedule } from '../../../shared/schedule/rotation-schedule';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

/** The next `count` window starts after `from`, as ISO text. */
function nextStarts(expression: string, from: string, count: number, duration?: string): string[] {
  const schedule = parseRotationSchedule(expression, duration);
  const out: string[] = [];
  let cursor = at(from);
  for (let i = 0; i < count; i += 1) {
    const window = schedule.nextWindow(cursor)!;
    out.push(window.start.toISOString());
    cursor = new Date(window.start.getTime() + 1);
  }
  return out;
}

function refusal(expression: string, duration?: string): string {
  try {
    parseRotationSchedule(expression, duration);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as Error).message;
  }
  throw new Error(`${expression} was accepted`);
}

describe('cron: the user guide examples', () => {
  it('cron(0 4/12 * * ? *) is 04:00 and 16:00 every day, the increments restarting each day', () => {
    expect(nextStarts('cron(0 4/12 * * ? *)', '2026-03-01T05:00:00Z', 4)).toEqual([
      '2026-03-01T16:00:00.000Z',
      '2026-03-02T04:00:00.000Z',
      '2026-03-02T16:00:00.000Z',
      '2026-03-03T04:00:00.000Z',
    ]);
  });

  it('cron(0 8/8 * * ? *) is 08:00 and 16:00 (increments stop at midnight), a schedule in hours with a 1h window', () => {
    const schedule = parseRotationSchedule('cron(0 8/8 * * ? *)');
    expect(schedule.unit).toBe('hours');
    const window = schedule.nextWindow(at('2026-03-01T09:00:00Z'))!;
    expect([iso(window.start), iso(window.end)]).toEqual(['2026-03-01T16:00:00.000Z', '2026-03-01T17:00:00.000Z']);
  });

  it('cron(0 3 ? * SUN *) is every Sunday at 03:00; the default window closes at the end of the UTC day', () => {
    const schedule = parseRotationSchedule('cron(0 3 ? * SUN *)');
    expect(schedule.unit).toBe('days');
    const window = schedule.nextWindow(at('2026-12-03T15:00:00Z'))!;
    expect([iso(window.start), iso(window.end)]).toEqual(['2026-12-06T03:00:00.000Z', '2026-12-07T00:00:00.000Z']);
    const threeHours = parseRotationSchedule('cron(0 3 ? * SUN *)', '3h').nextWindow(at('2026-12-03T15:00:00Z'))!;
    expect(iso(threeHours.end)).toBe('2026-12-06T06:00:00.000Z');
  });

  it('cron(0 0 ? * SUN#1 *) is the first Sunday of each month', () => {
    expect(nextStarts('cron(0 0 ? * SUN#1 *)', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-04T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
  });

  it('cron(0 16 L * ? *) is the last day of every month at 16:00, leap February included', () => {
    expect(nextStarts('cron(0 16 L * ? *)', '2028-01-31T17:00:00Z', 3)).toEqual([
      '2028-02-29T16:00:00.000Z',
      '2028-03-31T16:00:00.000Z',
      '2028-04-30T16:00:00.000Z',
    ]);
    expect(nextStarts('cron(0 16 L 2 ? *)', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-02-28T16:00:00.000Z',
      '2027-02-28T16:00:00.000Z',
      '2028-02-29T16:00:00.000Z',
    ]);
  });

  it('cron(0 8 1/7 * ? *) is days 1, 8, 15, 22 and 29 of each month (29 only where the month has it)', () => {
    expect(nextStarts('cron(0 8 1/7 * ? *)', '2026-02-20T00:00:00Z', 3)).toEqual([
      '2026-02-22T08:00:00.000Z',
      '2026-03-01T08:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
    ]);
  });
});

describe('cron: wildcards', () => {
  it('ranges, lists and month and weekday names (1 is Sunday)', () => {
    expect(nextStarts('cron(0 1 ? JAN,APR,JUL,OCT MON-FRI *)', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-04-01T01:00:00.000Z',
      '2026-04-02T01:00:00.000Z',
      '2026-04-03T01:00:00.000Z',
    ]);
    expect(nextStarts('cron(0 1 ? * 1 *)', '2026-12-03T00:00:00Z', 1)).toEqual(['2026-12-06T01:00:00.000Z']);
    expect(nextStarts('cron(0 1 ? * 7 *)', '2026-12-03T00:00:00Z', 1)).toEqual(['2026-12-05T01:00:00.000Z']);
  });

  it('6L is the last Friday of the month, L alone in Day-of-week is Saturday', () => {
    expect(nextStarts('cron(0 0 ? * 6L *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T00:00:00.000Z', '2026-02-27T00:00:00.000Z']);
    expect(nextStarts('cron(0 0 ? * L *)', '2026-12-01T00:00:00Z', 1)).toEqual(['2026-12-05T00:00:00.000Z']);
  });

  it('W is the nearest weekday in the month: a Saturday 1st moves to Monday the 3rd, a Sunday 15th to Monday', () => {
    // 2026-08-01 is a Saturday; 2026-03-15 a Sunday; 2026-05-31 a Sunday (LW: Friday the 29th).
    expect(nextStarts('cron(0 0 1W 8 ? *)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-08-03T00:00:00.000Z']);
    expect(nextStarts('cron(0 0 15W 3 ? *)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-03-16T00:00:00.000Z']);
    expect(nextStarts('cron(0 0 LW 5 ? *)', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-05-29T00:00:00.000Z']);
  });

  it('3#5 is a fifth Tuesday, in the months that have one', () => {
    expect(nextStarts('cron(0 0 ? * 3#5 *)', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-03-31T00:00:00.000Z', '2026-06-30T00:00:00.000Z']);
  });

  it('31 only in months with 31 days', () => {
    expect(nextStarts('cron(0 0 31 * ? *)', '2026-01-31T01:00:00Z', 2)).toEqual(['2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
  });
});

describe('cron: what Secrets Manager refuses, each error naming the field', () => {
  it.each([
    ['cron(30 3 ? * SUN *)', /Minutes must be 0/],
    ['cron(0 3 ? * SUN 2027)', /Year must be \*/],
    ['cron(0 3 * * SUN *)', /exactly one of Day-of-month and Day-of-week must be \?/],
    ['cron(0 3 ? * ? *)', /exactly one of Day-of-month and Day-of-week must be \?/],
    ['cron(0 3 ? * SUN)', /has 5 field\(s\)/],
    ['cron(0 24 * * ? *)', /Hours 24 is outside 0-23/],
    ['cron(0 3 32 * ? *)', /Day-of-month 32 is outside 1-31/],
    ['cron(0 3 * 13 ? *)', /Month 13 is outside 1-12/],
    ['cron(0 3 ? * 8 *)', /Day-of-week 8 is outside 1-7/],
    ['cron(0 3 ? * FUN *)', /Day-of-week "FUN" is not a number 1-7 or SUN-SAT/],
    ['cron(0 3 ? * 2#6 *)', /the week after # must be 1-5/],
    ['cron(0 3 1#2 * ? *)', /Day-of-month "1#2"/],
    ['cron(0 3 ? * 2W *)', /Day-of-week "2W"/],
    ['cron(0 5-3 * * ? *)', /runs backwards/],
    ['cron(0 */0 * * ? *)', /the step after \/ must be/],
    ['cron(0 */2 * * ? *)', /less than 4 hours apart/],
    ['cron(0 0 30 2 ? *)', /never opens a window/],
    ['cron(0 0 29 2 ? *)', /days between windows; Secrets Manager allows no schedule more than a year apart/],
    ['cron(0 ? * * ? *)', /Hours cannot be \?/],
  ])('%s', (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });

  it('a window that reaches into the next UTC day or the next window', () => {
    expect(refusal('cron(0 22 ? * SUN *)', '3h')).toMatch(/3h window opening at 22:00 reaches into the next UTC day/);
    expect(refusal('cron(0 4/6 * * ? *)', '7h')).toMatch(/7h window opening at 04:00 reaches into the next window at 10:00/);
    expect(parseRotationSchedule('cron(0 21 ? * SUN *)', '3h').unit).toBe('days');
  });

  it('quotes only an excerpt of a long hostile expression', () => {
    const message = refusal(`cron(0 3 ? * ${'A'.repeat(5000)} *)`);
    expect(message.length).toBeLessThan(300);
  });
});

describe('rate', () => {
  it('rate(4 hours) opens at midnight and every four hours, with a one-hour window', () => {
    const schedule = parseRotationSchedule('rate(4 hours)');
    expect(schedule.unit).toBe('hours');
    expect(nextStarts('rate(4 hours)', '2026-03-01T21:00:00Z', 2)).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-02T04:00:00.000Z']);
    const window = schedule.nextWindow(at('2026-03-01T21:00:00Z'))!;
    expect(window.end.getTime() - window.start.getTime()).toBe(3_600_000);
  });

  it('rate(10 days) opens at midnight ten days after the last rotation, the window the whole UTC day', () => {
    const schedule = parseRotationSchedule('rate(10 days)');
    const window = schedule.nextWindow(at('2026-03-01T15:00:00Z'), at('2026-03-01T14:00:00Z'))!;
    expect([iso(window.start), iso(window.end)]).toEqual(['2026-03-11T00:00:00.000Z', '2026-03-12T00:00:00.000Z']);
    // Leap day: ten days after 2028-02-25 is 2028-03-06.
    expect(iso(schedule.nextWindow(at('2028-02-25T10:00:00Z'), at('2028-02-25T10:00:00Z'))!.start)).toBe('2028-03-06T00:00:00.000Z');
  });

  it('closed windows of a rate in days count from the anchor, newest first', () => {
    const schedule = parseRotationSchedule('rate(1 day)', '2h');
    const closed = schedule.closedWindows(at('2026-03-05T01:00:00Z'), 3, at('2026-03-01T12:00:00Z'));
    expect(closed.map((w) => iso(w.start))).toEqual(['2026-03-04T00:00:00.000Z', '2026-03-03T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(schedule.closedWindows(at('2026-03-02T01:00:00Z'), 3, at('2026-03-01T12:00:00Z'))).toEqual([]);
  });

  it.each([
    ['rate(3 hours)', /a rate in hours is 4 to 23 hours/],
    ['rate(24 hours)', /a rate in hours is 4 to 23 hours/],
    ['rate(0 days)', /a rate in days is 1 to 999 days/],
    ['rate(1000 days)', /a rate in days is 1 to 999 days/],
    ['rate(5 minutes)', /rate\(<n> hours\) or rate\(<n> days\)/],
    ['rate(1.5 days)', /rate\(<n> hours\) or rate\(<n> days\)/],
    ['every(5 days)', /neither rate/],
  ])('refuses %s', (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });

  it('a rate in hours refuses a window longer than the gap', () => {
    expect(refusal('rate(6 hours)', '7h')).toMatch(/reaches into the next window/);
  });
});

describe('closed windows of a cron', () => {
  it('are the latest windows that ended at or before the instant, newest first', () => {
    const schedule = parseRotationSchedule('cron(0 3 ? * SUN *)', '3h');
    // Sunday 2026-12-06 03:00-06:00 has not closed at 05:00.
    const closed = schedule.closedWindows(at('2026-12-06T05:00:00Z'), 2);
    expect(closed.map((w) => iso(w.start))).toEqual(['2026-11-29T03:00:00.000Z', '2026-11-22T03:00:00.000Z']);
  });
});

describe('Duration', () => {
  it('is <n>h, 1 to 24', () => {
    expect(parseDuration('3h')).toBe(3);
    expect(parseDuration('24h')).toBe(24);
    for (const bad of ['0h', '25h', '3', '3H ', '90m', '-1h', '']) expect(() => parseDuration(bad)).toThrow(/whole number of hours from 1h to 24h/);
  });
});
