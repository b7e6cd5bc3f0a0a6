import type { RotationContext } from '../strategy';
import { describeJsonType, parseSecretObject, secretFormatError, type SecretObject, type ValueLabel } from './json-secret';
import { factsWhileCurrent, rotatedFromField } from './rotated-from';

/**
 * A secret holding a list of keys (`keys`), one of which is in use (the JWT key set's active
 * signing key, the key ring's primary) and named by a field beside the list. What differs between
 * the kinds of list is described here; reading and checking the list is shared.
 */
export interface KeyListShape {
  /** The field naming the key in use: `activeKid`, `primaryKid`. */
  inUseField: string;
  /** The status of the key in use: `active`, `primary`. */
  inUseStatus: string;
  /** What the key in use does, for messages: `sign`, `encrypt`. */
  inUseDoes: string;
  /** What is wrong with one member of `keys`, or undefined when it is a well-formed key. */
  keyProblem(raw: unknown): string | undefined;
}

/** The keys, checked for shape, and the kid of the one in use, if any. */
export interface KeyList<K> {
  keys: K[];
  inUseKid?: string;
}

/**
 * The owned fields of a key list secret, checked for shape: every key well formed, no kid twice,
 * at most one key in use and the field naming it agreeing. A fresh secret without them is an
 * empty list. Throws SecretFormatError naming where the value is wrong, never what it holds.
 */
export function readKeyList<K extends { kid: string; status: string }>(
  secret: SecretObject,
  secretName: string,
  label: ValueLabel,
  shape: KeyListShape,
): KeyList<K> {
  const fail = (problem: string) => secretFormatError(secretName, label, problem);
  const rawKeys = secret.keys ?? [];
  if (!Array.isArray(rawKeys)) throw fail(`has field "keys" of type ${describeJsonType(rawKeys)}, expected an array`);
  const keys = rawKeys.map((raw: unknown, index) => {
    const problem = shape.keyProblem(raw);
    if (problem) throw fail(`has keys[${index}] that ${problem}`);
    return raw as K;
  });
  const duplicate = keys.findIndex((key, index) => keys.findIndex((other) => other.kid === key.kid) !== index);
  if (duplicate >= 0) throw fail(`has keys[${duplicate}] whose kid repeats an earlier key's`);
  const inUseKid = secret[shape.inUseField];
  if (inUseKid !== undefined && typeof inUseKid !== 'string') throw fail(`has field "${shape.inUseField}" that is not a string`);
  const inUse = keys.filter((key) => key.status === shape.inUseStatus);
  if (inUse.length > 1) throw fail(`has ${inUse.length} ${shape.inUseStatus} keys; at most one may ${shape.inUseDoes}`);
  if (inUse[0]?.kid !== inUseKid) throw fail(`has field "${shape.inUseField}" that does not name its ${shape.inUseStatus} key`);
  return inUseKid === undefined ? { keys } : { keys, inUseKid };
}

/**
 * The note createSecret leaves in a pending key list: the AWSCURRENT version it was built from
 * and that version's key in use (null for none), which testSecret checks the pending list keeps.
 */
export function inUseKidNote(versionId: string, inUseKid: string | undefined, shape: KeyListShape): SecretObject {
  return rotatedFromField(versionId, { [shape.inUseField]: inUseKid ?? null });
}

/**
 * The kid in use in the version a pending key list replaces: from createSecret's note while that
 * version still holds AWSCURRENT, else from the current value itself (one GetSecretValue).
 */
export async function replacedInUseKid(ctx: RotationContext, pending: SecretObject, shape: KeyListShape): Promise<string | undefined> {
  const noted = factsWhileCurrent(ctx, pending)?.[shape.inUseField];
  if (noted === null) return undefined;
  if (typeof noted === 'string') return noted;
  return readKeyList(parseSecretObject(await ctx.current(), ctx.name, 'current'), ctx.name, 'current', shape).inUseKid;
}

/** The key a list's in-use field (`activeKid`, `primaryKid`) names, or undefined for an empty list. */
export function inUseKey(ctx: RotationContext, fields: SecretObject, label: ValueLabel, inUseField: string): Record<string, unknown> | undefined {
  const kid = fields[inUseField];
  if (kid === undefined) return undefined;
  const keys = Array.isArray(fields.keys) ? (fields.keys as unknown[]) : [];
  const key = keys.find((entry): entry is Record<string, unknown> => !!entry && typeof entry === 'object' && (entry as Record<string, unknown>).kid === kid);
  if (!key) throw secretFormatError(ctx.name, label, `has no key whose kid is its "${inUseField}"`);
  return key;
}

/** kids in `after` that `changed` picks and `before` did not: what a revoke removed or marked. */
export function kidsChanged(before: SecretObject, after: SecretObject, changed: (before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined) => boolean): string[] {
  const byKid = (fields: SecretObject) => new Map((Array.isArray(fields.keys) ? (fields.keys as Array<Record<string, unknown>>) : []).map((key) => [String(key.kid), key]));
  const was = byKid(before);
  const now = byKid(after);
  return [...new Set([...was.keys(), ...now.keys()])].filter((kid) => changed(was.get(kid), now.get(kid)));
}
