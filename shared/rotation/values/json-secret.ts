import { SecretFormatError, SecretTestFailedError } from '../../errors';
import { jsonTypeName, readJsonObject, writeOwnedMembers, type JsonObjectSource } from '../../json-object-text';

/**
 * Generated and database secrets are JSON objects in which a strategy owns a few fields and
 * leaves the rest (usernames, hosts, notes a team keeps beside the credential) exactly as it
 * found them: the same source text, so a big integer, `1.0` or a `\u00e9` escape in a field
 * keywarden does not own comes back unchanged (see shared/json-object-text.ts). A value with a
 * key twice, at any depth, is refused.
 *
 * Errors here describe where a value is wrong (`field keys[2].kid is not a string`) and never
 * what it holds: JSON.parse's own message quotes the text it choked on, so it is neither copied
 * nor attached as a cause.
 */

/** A parsed secret value: plain JSON object members. */
export type SecretObject = Record<string, unknown>;

/** Which version of the secret a message talks about. */
export type ValueLabel = 'current' | 'pending' | 'previous';

/** A secret value read for rewriting: its members, and the source text the rewrite keeps. */
export interface SecretDocument {
  readonly fields: SecretObject;
  readonly source: JsonObjectSource;
}

/**
 * Reads a secret value that must be a JSON object, keeping its text for {@link withOwnedFields}.
 * Throws SecretFormatError for anything else, a key given twice, or too deep or long a value.
 */
export function readSecretDocument(value: string, secretName: string, label: ValueLabel): SecretDocument {
  const reading = readJsonObject(value);
  if (!reading.ok) throw secretFormatError(secretName, label, reading.problem);
  return { fields: reading.value, source: reading.source };
}

/** Parses a secret value that must be a JSON object (see {@link readSecretDocument}). */
export function parseSecretObject(value: string, secretName: string, label: ValueLabel): SecretObject {
  return readSecretDocument(value, secretName, label).fields;
}

/**
 * The secret string after rotation: owned fields replaced in place or added at the end; every
 * other field keeps its exact text. The one merge every strategy uses.
 */
export function withOwnedFields(current: Pick<SecretDocument, 'source'>, owned: SecretObject): string {
  return writeOwnedMembers(current.source, owned);
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
export const describeJsonType = jsonTypeName;
