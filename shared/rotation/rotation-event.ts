/**
 * The `keywarden.rotation` event: what the rotate function tells the keywarden bus after a
 * rotation finished, failed, or had its previous credential revoked, so that whoever holds the
 * credential (the refresh function, an EventBridge rule of your own) can act on it at once
 * instead of polling. It names the secret and version, never a value. No zod here: the rotate
 * function builds it, and the schema would add 60 KB to its bundle; the refresh function parses
 * it with shared/refresh/rotation-event-schema.ts.
 */

/** EventBridge `source` of keywarden's events (the same as its findings'). */
export const ROTATION_EVENT_SOURCE = 'keywarden';
/** EventBridge `detail-type` of a rotation event. */
export const ROTATION_DETAIL_TYPE = 'keywarden.rotation';

/** What happened: finishSecret moved AWSCURRENT, a step failed, or the previous credential was revoked. */
export const ROTATION_OUTCOMES = ['succeeded', 'failed', 'revoked'] as const;
export type RotationOutcome = (typeof ROTATION_OUTCOMES)[number];

/** The event's `detail`. Schema version 1; fields are only ever added. */
export interface RotationEventDetail {
  version: 1;
  outcome: RotationOutcome;
  secret: { name: string; arn?: string };
  /** The version the rotation made (the ClientRequestToken); AWSCURRENT after `succeeded`. */
  versionId: string;
  /** The tenant that owns the secret (from its name); absent for shared scopes. */
  tenant?: string;
  /** The strategy that rotated it, when the step knew it. */
  strategy?: string;
  /** For `failed`: the step and the error's class name (never its message, which may name hosts). */
  step?: string;
  error?: string;
  /** When it happened (ISO 8601). */
  at: string;
}

const MAX_FIELD = 256;

/** A detail with every text field bounded (a secret name is at most 512 bytes; an ARN a little more). */
export function rotationEventDetail(fields: Omit<RotationEventDetail, 'version'>): RotationEventDetail {
  const cut = (text: string | undefined, max = MAX_FIELD) => (text === undefined ? undefined : text.slice(0, max));
  return {
    version: 1,
    outcome: fields.outcome,
    secret: { name: cut(fields.secret.name, 600)!, ...(fields.secret.arn !== undefined && { arn: cut(fields.secret.arn, 700) }) },
    versionId: cut(fields.versionId, 64)!,
    ...(fields.tenant !== undefined && { tenant: cut(fields.tenant) }),
    ...(fields.strategy !== undefined && { strategy: cut(fields.strategy, 64) }),
    ...(fields.step !== undefined && { step: cut(fields.step, 64) }),
    ...(fields.error !== undefined && { error: cut(fields.error, 64) }),
    at: fields.at,
  };
}

/** Where the rotate function sends rotation events; publishing never fails a rotation (the caller logs). */
export interface RotationEventPublisher {
  publish(detail: RotationEventDetail): Promise<void>;
}
