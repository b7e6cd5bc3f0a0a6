import type { RotationContext } from '../strategy';
import type { SecretObject } from './json-secret';

/**
 * The field in which createSecret notes, in the value it builds, which AWSCURRENT version it
 * built it from and the few facts about that version a later step of the rotation needs (the
 * key in use, the hash of the password being replaced). A later step that would otherwise read
 * AWSCURRENT again for those facts takes them from the note, which costs no call, but only while
 * the noted version still holds AWSCURRENT: a version's value never changes, so the facts are
 * then exactly what reading current would give. When current has moved since (a value put by
 * hand, a revocation) or the note is missing or malformed (a pending value put by hand, a value
 * from before the note existed), the step reads current as it always did.
 *
 * The note is carried into the current value by finishSecret and replaced at the next rotation;
 * a note copied along with the other fields names the version before the one it sits in, never
 * AWSCURRENT, so it is never mistaken for a fresh one.
 */
export const ROTATED_FROM_FIELD = 'keywarden:rotatedFrom';

/** Facts about the version a pending value was built from; null says that version had none. */
export type SourceFacts = Readonly<Record<string, string | null>>;

/** The owned field to merge into a pending value built from AWSCURRENT version `versionId`. */
export function rotatedFromField(versionId: string, facts: SourceFacts): SecretObject {
  return { [ROTATED_FROM_FIELD]: { ...facts, versionId } };
}

/**
 * The facts noted in `pending` when the version they describe still holds AWSCURRENT, as far as
 * this step's DescribeSecret saw; undefined when the caller must read the current value instead.
 */
export function factsWhileCurrent(ctx: Pick<RotationContext, 'currentVersionId'>, pending: SecretObject): Readonly<Record<string, unknown>> | undefined {
  const note = pending[ROTATED_FROM_FIELD];
  if (note === null || typeof note !== 'object' || Array.isArray(note)) return undefined;
  const { versionId } = note as Record<string, unknown>;
  if (ctx.currentVersionId === undefined || versionId !== ctx.currentVersionId) return undefined;
  return note as Record<string, unknown>;
}
