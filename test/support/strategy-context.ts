import { fixedClock } from '../../shared/clock';
import { RotationContractError, SecretsStoreError } from '../../shared/errors';
import type { SecretsStore } from '../../shared/secrets-store';
import type { RotationContext, RotationStrategy } from '../../shared/rotation/strategy';

/** The instant every strategy test starts at. */
export const START = '2025-03-01T12:00:00.000Z';

/** A canary planted in malformed values: no error message may ever contain it. */
export const CANARY = 'CANARY-xyz-5f1d';

/** The versions a hand-built context serves; tests move them like the contract would. */
export interface Versions {
  current?: string;
  pending?: string;
  previous?: string;
  /** The version id of `current`, as DescribeSecret and GetSecretValue report it. */
  currentId?: string;
}

/**
 * A RotationContext plus the knobs a test needs: its versions, its clock, and the values the
 * strategy read (`current`, `pending`, `previous`; each is a GetSecretValue in a real step).
 */
export type TestContext = RotationContext & { versions: Versions; clock: ReturnType<typeof fixedClock>; reads: string[]; warnings: string[] };

/** Generated strategies talk to no store; any call is a bug in the strategy. */
const storeThatMustNotBeUsed: SecretsStore = {
  describe: () => Promise.reject(new Error('strategy used the store: describe')),
  getValue: () => Promise.reject(new Error('strategy used the store: getValue')),
  putPendingValue: () => Promise.reject(new Error('strategy used the store: putPendingValue')),
  putCurrentValue: () => Promise.reject(new Error('strategy used the store: putCurrentValue')),
  moveStage: () => Promise.reject(new Error('strategy used the store: moveStage')),
};

let versionCounter = 0;

/** A version id no other version in this test run has. */
export function newVersionId(): string {
  versionCounter += 1;
  return `00000000-0000-4000-8000-${String(versionCounter).padStart(12, '0')}`;
}

/** A context over in-memory versions, with a fixed clock at {@link START}. */
export function makeContext(options: { tags?: Record<string, string>; name?: string } & Versions = {}): TestContext {
  const name = options.name ?? 'multitenant-ai-poc/tenant-1/test-secret';
  const versions: Versions = { current: options.current, pending: options.pending, previous: options.previous, currentId: options.currentId ?? newVersionId() };
  const reads: string[] = [];
  const warnings: string[] = [];
  const current = async () => {
    reads.push('current');
    if (versions.current === undefined) throw new SecretsStoreError(`secret ${name} has no AWSCURRENT value`, 'ResourceNotFoundException');
    return { versionId: versions.currentId!, value: versions.current };
  };
  return {
    secretId: name,
    arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`,
    name,
    token: 'token-0001',
    tags: options.tags ?? {},
    clock: fixedClock(START),
    log: { warn: (message, attributes) => void warnings.push(attributes ? `${message} ${JSON.stringify(attributes)}` : message) },
    store: storeThatMustNotBeUsed,
    versions,
    reads,
    warnings,
    get currentVersionId() {
      return versions.current === undefined ? undefined : versions.currentId;
    },
    current: async () => (await current()).value,
    currentVersion: current,
    pending: async () => {
      reads.push('pending');
      if (versions.pending === undefined) throw new RotationContractError(`secret ${name} has no pending value`);
      return versions.pending;
    },
    previous: async () => {
      reads.push('previous');
      return versions.previous;
    },
  };
}

/**
 * One full rotation as the contract runs it: create, store as pending, set, test, then move
 * AWSCURRENT (the old current becomes previous). Returns the new current value.
 */
export async function rotate(strategy: RotationStrategy, ctx: TestContext): Promise<string> {
  ctx.versions.pending = await strategy.create(ctx);
  await strategy.set(ctx);
  await strategy.test(ctx);
  await strategy.finish?.(ctx);
  ctx.versions.previous = ctx.versions.current;
  ctx.versions.current = ctx.versions.pending;
  ctx.versions.currentId = newVersionId();
  ctx.versions.pending = undefined;
  return ctx.versions.current;
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The error `fn` throws, failing the test when it returns. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, but none was thrown');
}

/** Everything an error could print: message, stack and the chain of causes. */
export function everythingPrinted(error: Error): string {
  let out = `${error.message}\n${error.stack ?? ''}`;
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    out += `\n${cause.message}\n${cause.stack ?? ''}`;
    cause = cause.cause;
  }
  return out + (cause === undefined ? '' : `\n${String(cause)}`);
}

/**
 * Pearson's chi-square statistic of observed counts against a uniform distribution over
 * `categories`. With d = categories - 1 degrees of freedom it has mean d and standard deviation
 * sqrt(2d); a bound of d + 7·sqrt(2d) fails a fair generator far less than once in a million runs.
 */
export function chiSquareUniform(sample: Iterable<string>, categories: readonly string[]): { statistic: number; bound: number; missing: string[] } {
  const counts = new Map<string, number>(categories.map((c) => [c, 0]));
  let total = 0;
  for (const item of sample) {
    counts.set(item, (counts.get(item) ?? 0) + 1);
    total += 1;
  }
  const expected = total / categories.length;
  let statistic = 0;
  for (const count of counts.values()) statistic += (count - expected) ** 2 / expected;
  const degrees = categories.length - 1;
  return { statistic, bound: degrees + 7 * Math.sqrt(2 * degrees), missing: categories.filter((c) => counts.get(c) === 0) };
}
