import { z } from 'zod';
import { InvalidRequestError } from '../errors';
import { ROTATION_DETAIL_TYPE, ROTATION_EVENT_SOURCE, ROTATION_OUTCOMES, type RotationEventDetail } from '../rotation/rotation-event';

const detailSchema = z
  .object({
    version: z.literal(1),
    outcome: z.enum(ROTATION_OUTCOMES),
    secret: z.object({ name: z.string().min(1).max(600), arn: z.string().max(700).optional() }),
    versionId: z.string().min(1).max(64),
    tenant: z.string().max(256).optional(),
    strategy: z.string().max(64).optional(),
    step: z.string().max(64).optional(),
    error: z.string().max(64).optional(),
    at: z.string().datetime({ offset: true }),
  })
  .passthrough();

const envelopeSchema = z.object({
  source: z.literal(ROTATION_EVENT_SOURCE),
  // EventBridge sets it on every event (PutEvents cannot choose it); moto's local bus leaves it
  // out, and only the rule may send to the refresh queue (its queue policy).
  account: z.string().regex(/^\d{12}$/).optional(),
  'detail-type': z.literal(ROTATION_DETAIL_TYPE),
  detail: detailSchema,
});

/**
 * The `keywarden.rotation` event from an SQS message body (the whole EventBridge event, as the
 * rule delivers it): source `keywarden`, detail-type `keywarden.rotation`, put in `account` (the
 * refresh function's own, where the rotate function puts it; the rule matches only that account
 * too). Anyone allowed events:PutEvents on the bus can write one, so the refresh function trusts
 * none of it beyond naming a secret and version: it reads the secret itself (refresh.ts).
 *
 * @throws InvalidRequestError naming every field that is wrong.
 */
export function parseRotationEvent(body: string, account: string): RotationEventDetail {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('not a keywarden.rotation event: the message is not JSON');
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
    throw new InvalidRequestError(`not a keywarden.rotation event: ${problems.join('; ').slice(0, 500)}`);
  }
  if (parsed.data.account !== undefined && parsed.data.account !== account) throw new InvalidRequestError(`not a keywarden.rotation event of this account: it was put in account ${parsed.data.account}`);
  return parsed.data.detail as RotationEventDetail;
}
