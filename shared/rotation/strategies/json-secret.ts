import { SecretFormatError, SecretTestFailedError } from '../../errors';

/**
 * Generated secrets are JSON objects in which a strategy owns a few fields and leaves the rest
 * (usernames, hosts, notes a team keeps beside the credential) exactly as it found them.
 *
 * Errors here describe where a value is wrong (`field keys[2].kid is not a string`) and never
 * what it holds: JSON.parse's own message quotes the text it choked on, so it is neither copied
 * nor attached as a cause.
 */

/** A parsed secret value: plain JSON object members. */
export type SecretObject = Record<string, unknown>;

/** Which version of the secret a message talks about. */
export type ValueLabel = 'current' | 'pending' | 'previous';

/** Parses a secret value that must be a JSON object. */
export function parseSecretObject(value: string, secretName: string, label: ValueLabel): SecretObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw secretFormatError(secretName, label, 'is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw secretFormatError(secretName, label, `is JSON ${describeJsonType(parsed)}, not a JSON object`);
  }
  return parsed as SecretObject;
}

/** The secret string after rotation: owned fields replaced or added, every other field kept in place. */
export function mergeOwnedFields(current: SecretObject, owned: SecretObject): string {
  return JSON.stringify({ ...current, ...owned });
}

/** The one shape of a format error, so every message names the secret and the version. */
export function secretFormatError(secretName: string, label: ValueLabel, problem: string): SecretFormatError {
  return new SecretFormatError(`secret ${secretName}: the ${label} value ${problem}`);
}

/** A field that, when present, must be a string; absent is fine on a secret that never rotated. */
export function optionalStringField(
  secret: SecretObject,
  field: string,
  where: { secretName: string; label: ValueLabel },
): string | undefined {
  const value = secret[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    const problem = `has field "${field}" of type ${describeJsonType(value)}, expected a string`;
    throw secretFormatError(where.secretName, where.label, problem);
  }
  return value;
}

/** True for the instants this package writes: `Date.toISOString()` output, always UTC. */
export function isIsoInstant(value: unknown): value is string {
  const shape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
  return typeof value === 'string' && shape.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Runs a check of the pending value and reports a malformed one as a failed test, which is what
 * testSecret must throw so that Secrets Manager keeps AWSCURRENT where it is.
 */
export async function asTestFailure<T>(check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof SecretFormatError) throw new SecretTestFailedError(error.message, { cause: error });
    throw error;
  }
}

/** A JSON type name for messages; names the kind of value, never the value. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
