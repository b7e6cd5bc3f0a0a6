/**
 * Reading a CloudTrail record's fields, shared by the Secrets Manager and Parameter Store readers
 * (normalise.ts, ssm-parameters.ts): a field that is not what CloudTrail writes throws
 * {@link Unreadable}, which the normaliser turns into an `unreadable` result with its message.
 */

/** Same bound for every id: a DynamoDB sort key is at most 1,024 bytes. */
export const MAX_ID_BYTES = 1024;

/** A field that is not what CloudTrail writes. */
export class Unreadable extends Error {}

/** A string field, or undefined when absent (null counts as absent). */
export function text(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Unreadable(`${path} is not a string`);
  return value;
}

/** The value, refused when absent or empty. */
export function required<T>(value: T | undefined, path: string): T {
  if (value === undefined || value === '') throw new Unreadable(`${path} is missing`);
  return value;
}

/** Lone surrogates are not text DynamoDB or JSON consumers accept: replaced. */
export function wellFormed(s: string): string {
  // ES2024 string methods (Node 20 has them; the project's lib setting predates them).
  const es2024 = s as unknown as { isWellFormed(): boolean; toWellFormed(): string };
  return es2024.isWellFormed() ? s : es2024.toWellFormed();
}
