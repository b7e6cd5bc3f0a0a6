import { z } from 'zod';
import { InvalidRequestError } from '../errors';

/**
 * What invokes the staleness function: the EventBridge schedule (an event whose `time` is when
 * the schedule fired) or a manual invoke (`{}`, or `{ "time": "<ISO 8601>" }` to assess as of
 * another instant). The scan's clock is that time, so a retried invocation assesses the same
 * instant, falls on the same day and sends the same finding ids.
 */
const eventSchema = z
  .object({
    time: z.string().datetime({ offset: true, message: 'time must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' }).optional(),
  })
  .passthrough();

/** A parsed invocation. */
export interface StalenessRequest {
  /** The instant to assess as of; absent means now. */
  asOf?: Date;
}

/** Parses the invocation event; a malformed one is refused with what was wrong. */
export function parseStalenessEvent(event: unknown): StalenessRequest {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new InvalidRequestError('the staleness function takes an object: a scheduled event or {}');
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidRequestError(`invalid staleness event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.time ? { asOf: new Date(parsed.data.time) } : {};
}
