import { z } from 'zod';
import { DEFAULT_TENANCY, nameFromArn, secretTenant, type TenancyConfig } from '../tenancy';
import { InvalidRequestError } from '../errors';
import { dedupKeyOf, type Finding } from '../finding';

/**
 * Secrets Manager's own rotation events as findings, so a failed rotation pages even when the
 * audit pipeline is down: `RotationFailed` and `RotationAbandoned` open a `rotation.failed`
 * finding for the secret, `RotationSucceeded` resolves it (same dedup key, so PagerDuty closes
 * the incident). The events arrive from CloudTrail on the default bus as
 * "AWS Service Event via CloudTrail", with the secret's ARN in `additionalEventData.SecretId`.
 */

/** The rule id of a failed rotation; the audit path's detector uses the same, and the same key. */
export const ROTATION_FAILED_RULE = 'rotation.failed';

/** EventBridge source and detail-type of Secrets Manager's service events. */
export const SECRETS_MANAGER_EVENT_SOURCE = 'aws.secretsmanager';
export const SERVICE_EVENT_DETAIL_TYPE = 'AWS Service Event via CloudTrail';

/** The service events that open or resolve a failed-rotation finding. */
export const ROTATION_EVENT_NAMES = ['RotationFailed', 'RotationAbandoned', 'RotationSucceeded'] as const;
type RotationEventName = (typeof ROTATION_EVENT_NAMES)[number];

/** The dedup key of a secret's failed rotation: `dedupKeyOf('rotation.failed', secretName)`. */
export function rotationFailedDedupKey(secretName: string): string {
  return dedupKeyOf(ROTATION_FAILED_RULE, secretName);
}

const serviceEventSchema = z.object({
  id: z.string().optional(),
  source: z.literal(SECRETS_MANAGER_EVENT_SOURCE),
  'detail-type': z.string(),
  time: z.string().optional(),
  region: z.string().optional(),
  account: z.string().optional(),
  detail: z.object({
    eventName: z.string(),
    eventSource: z.string().optional(),
    eventID: z.string().optional(),
    eventTime: z.string().optional(),
    awsRegion: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    recipientAccountId: z.string().optional(),
    requestID: z.string().optional(),
    additionalEventData: z.object({ SecretId: z.string().optional() }).passthrough().nullish(),
    requestParameters: z.object({ secretId: z.string().optional() }).passthrough().nullish(),
  }),
});

const RUNBOOK_FAILED =
  'Secrets Manager could not finish rotating this secret. AWSCURRENT still holds the previous value, so clients keep ' +
  'working, but every scheduled rotation will fail the same way until the cause is fixed. Read the rotate function\'s ' +
  'log for the step that failed (createSecret, setSecret, testSecret or finishSecret): the target database or service ' +
  'unreachable, a changed password, a missing permission. Fix it, then rotate again with `keywarden rotate <secret>`; ' +
  'a rotation left half way (an AWSPENDING version) is resumed, not restarted. This alert resolves itself when a ' +
  'rotation of the secret succeeds.';

const RUNBOOK_ABANDONED =
  'Secrets Manager abandoned a rotation of this secret because a new version was written by hand while the rotation ' +
  'was under way, and removed the AWSPENDING label. Check that the value written by hand is the one clients should ' +
  'use and that it works on the target; then rotate again with `keywarden rotate <secret>` so the schedule is back ' +
  'in step. This alert resolves itself when a rotation of the secret succeeds.';

/**
 * The finding for a Secrets Manager service event, or undefined when the event is not one of
 * {@link ROTATION_EVENT_NAMES} (the queue acknowledges it and moves on).
 *
 * @throws InvalidRequestError when it is a rotation event without a secret.
 */
export function rotationEventFinding(event: unknown, tenancy: TenancyConfig = DEFAULT_TENANCY): Finding | undefined {
  const parsed = serviceEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
    throw new InvalidRequestError(`not a valid Secrets Manager service event: ${problems.join('; ')}`);
  }
  const { detail, ...envelope } = parsed.data;
  if (envelope['detail-type'] !== SERVICE_EVENT_DETAIL_TYPE) return undefined;
  if (!(ROTATION_EVENT_NAMES as readonly string[]).includes(detail.eventName)) return undefined;
  const eventName = detail.eventName as RotationEventName;
  const secretId = detail.additionalEventData?.SecretId ?? detail.requestParameters?.secretId;
  if (!secretId) throw new InvalidRequestError(`Secrets Manager ${eventName} event ${detail.eventID ?? envelope.id ?? ''} names no secret (additionalEventData.SecretId)`);
  const name = nameFromArn(secretId);
  const observedAt = detail.eventTime ?? envelope.time;
  if (!observedAt || Number.isNaN(Date.parse(observedAt))) {
    throw new InvalidRequestError(`Secrets Manager ${eventName} event has no readable time (detail.eventTime)`);
  }
  const resolved = eventName === 'RotationSucceeded';
  const titles: Record<RotationEventName, string> = {
    RotationFailed: `Rotation of ${name} failed`,
    RotationAbandoned: `Rotation of ${name} was abandoned`,
    RotationSucceeded: `Rotation of ${name} succeeded`,
  };
  return {
    id: `secretsmanager:${detail.eventID ?? envelope.id ?? `${eventName}:${name}:${observedAt}`}`,
    ruleId: ROTATION_FAILED_RULE,
    title: titles[eventName],
    severity: 'high',
    status: resolved ? 'resolved' : 'open',
    source: 'rotation',
    secret: secretId.startsWith('arn:') ? { name, arn: secretId } : { name },
    tenant: secretTenant(name, tenancy),
    principal: { type: 'AWSService', arn: 'secretsmanager.amazonaws.com' },
    evidence: definedOnly({
      eventName,
      eventTime: detail.eventTime,
      region: detail.awsRegion ?? envelope.region,
      account: detail.recipientAccountId ?? envelope.account,
      errorCode: detail.errorCode,
      errorMessage: detail.errorMessage,
      eventID: detail.eventID,
      requestID: detail.requestID,
      via: 'Secrets Manager service event (CloudTrail, default event bus)',
    }),
    dedupKey: rotationFailedDedupKey(name),
    runbook: eventName === 'RotationAbandoned' ? RUNBOOK_ABANDONED : RUNBOOK_FAILED,
    observedAt: new Date(observedAt).toISOString(),
  };
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null));
}
