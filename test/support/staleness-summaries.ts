import type { SecretSummary } from '../../shared/staleness/inventory';

/** The instant the unit tests assess as of. */
export const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

/** `days` days before {@link NOW} (fractions allowed). */
export function daysAgo(days: number, from: Date = NOW): Date {
  return new Date(from.getTime() - days * DAY);
}

let counter = 0;

/** A secret summary: last changed `age` days ago, never read, rotation off, one AWSCURRENT version. */
export function summary(overrides: Partial<SecretSummary> & { age?: number } = {}): SecretSummary {
  const { age = 10, ...rest } = overrides;
  counter += 1;
  const name = rest.name ?? `acme/tenant-1/secret-${counter}`;
  return {
    arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
    name,
    tags: {},
    createdDate: daysAgo(age),
    lastChangedDate: daysAgo(age),
    rotationEnabled: false,
    versions: { [`v-${counter}`]: ['AWSCURRENT'] },
    ...rest,
  };
}
