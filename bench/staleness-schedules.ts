import { assessSecret } from '../shared/staleness/assess';
import type { SecretSummary } from '../shared/staleness/inventory';
import { median } from './stats';

const SECRETS = 10_000;
const RUNS = 5;
const DAY_MS = 86_400_000;

/** Schedules of the kinds teams use, weekly to monthly, with and without a window. */
const SCHEDULES: ReadonlyArray<[string, string | undefined]> = [
  ['cron(0 3 ? * SUN *)', '3h'],
  ['cron(0 16 L * ? *)', undefined],
  ['cron(0 0 ? * SUN#1 *)', '4h'],
  ['cron(0 4/12 * * ? *)', '2h'],
  ['cron(0 0 15W * ? *)', undefined],
  ['rate(30 days)', '6h'],
  ['rate(12 hours)', undefined],
];

/**
 * What schedules add to the staleness scan's own work: assessing 10,000 secrets in this process
 * (no AWS calls; the scan's ListSecrets paging dominates its wall time, see `staleness`) with
 * AutomaticallyAfterDays only, against the same secrets on cron/rate schedules whose windows are
 * parsed and walked (next window, last two closed windows) for every secret.
 */
export async function printScheduleAssessmentFigures(): Promise<void> {
  const now = new Date('2026-12-03T15:00:00Z');
  const secrets = (scheduled: boolean): SecretSummary[] =>
    Array.from({ length: SECRETS }, (_, i) => {
      const [schedule, window] = SCHEDULES[i % SCHEDULES.length]!;
      const rotated = new Date(now.getTime() - ((i % 60) + 1) * DAY_MS);
      const summary: SecretSummary = {
        arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/tenant-${i % 20}/s${i}-AbCdEf`,
        name: `bench/tenant-${i % 20}/s${i}`,
        tags: {},
        createdDate: new Date(now.getTime() - 400 * DAY_MS),
        lastChangedDate: rotated,
        lastRotatedDate: rotated,
        rotationEnabled: true,
        versions: { [`v${i}`]: ['AWSCURRENT'] },
      };
      if (scheduled) return { ...summary, rotationSchedule: schedule, ...(window ? { rotationWindow: window } : {}) };
      return { ...summary, rotationIntervalDays: 30, nextRotationDate: new Date(rotated.getTime() + 30 * DAY_MS) };
    });
  const time = (list: SecretSummary[]) => {
    const runs: number[] = [];
    let failing = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const began = performance.now();
      failing = list.map((secret) => assessSecret(secret, now)).filter((a) => a.conditions.includes('rotation-failing')).length;
      runs.push(performance.now() - began);
    }
    return { ms: median(runs), failing };
  };
  const days = time(secrets(false));
  const scheduled = time(secrets(true));
  console.log(`\n== Staleness assessment with rotation schedules (${SECRETS} secrets, in process, median of ${RUNS})`);
  console.log(
    `AutomaticallyAfterDays only ${days.ms.toFixed(0)} ms (${((days.ms * 1000) / SECRETS).toFixed(1)} µs a secret); ` +
      `cron/rate schedules ${scheduled.ms.toFixed(0)} ms (${((scheduled.ms * 1000) / SECRETS).toFixed(1)} µs a secret) = ${(scheduled.ms / days.ms).toFixed(1)}x; ` +
      `${scheduled.failing} of the scheduled secrets missed their last two windows`,
  );
}
