import type { TenancyConfig } from '../tenancy';
import { InvalidRequestError } from '../errors';
import { FINDING_DETAIL_TYPE, FINDING_EVENT_SOURCE, parseFinding, type Finding } from '../finding';
import { rotationEventFinding, SECRETS_MANAGER_EVENT_SOURCE } from './rotation-events';

/**
 * What can arrive on the alert queue, and how each becomes a finding:
 * - a finding event from the keywarden bus (source `keywarden`, detail-type `keywarden.finding`);
 * - a Secrets Manager service event from the default bus (rotation failed / succeeded);
 * - a bare finding (a message redriven by hand, `keywarden alert send --queue`).
 * Anything else is malformed and goes to the dead-letter queue with the reason.
 */

/** A message's meaning. */
export type QueuedAlert =
  | { kind: 'finding'; finding: Finding; origin: 'keywarden-bus' | 'secrets-manager' | 'bare' }
  | { kind: 'ignored'; reason: string };

/**
 * Reads one message body.
 *
 * @throws InvalidRequestError saying what is wrong (not JSON, an unknown event, an invalid finding).
 */
export function parseQueuedBody(body: string, tenancy?: TenancyConfig): QueuedAlert {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidRequestError(`the message is not JSON (${body.length} characters)`);
  }
  return interpretEvent(json, tenancy);
}

/** The same, for an already-parsed value. */
export function interpretEvent(json: unknown, tenancy?: TenancyConfig): QueuedAlert {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InvalidRequestError('the message is not a JSON object');
  const event = json as Record<string, unknown>;
  if (event.source === FINDING_EVENT_SOURCE) {
    if (event['detail-type'] !== FINDING_DETAIL_TYPE) {
      throw new InvalidRequestError(`a keywarden event of detail-type ${JSON.stringify(event['detail-type'])} is not a finding (expected ${FINDING_DETAIL_TYPE})`);
    }
    return { kind: 'finding', finding: parseFinding(event.detail), origin: 'keywarden-bus' };
  }
  if (event.source === SECRETS_MANAGER_EVENT_SOURCE) {
    const finding = rotationEventFinding(event, tenancy);
    if (!finding) {
      const name = (event.detail as { eventName?: unknown } | undefined)?.eventName;
      return { kind: 'ignored', reason: `Secrets Manager event ${String(name)} is not a rotation outcome` };
    }
    return { kind: 'finding', finding, origin: 'secrets-manager' };
  }
  if ('ruleId' in event && 'dedupKey' in event) return { kind: 'finding', finding: parseFinding(event), origin: 'bare' };
  const source = typeof event.source === 'string' ? event.source : 'none';
  throw new InvalidRequestError(`not a finding event, a Secrets Manager service event or a finding (source: ${source})`);
}
