import { secretFormatError, type SecretObject, type ValueLabel } from '../strategies/json-secret';
import type { RotationContext } from '../strategy';

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
