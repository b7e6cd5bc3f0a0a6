import type { SQSBatchResponse } from 'aws-lambda';
import { InvalidRequestError } from '../errors';
import { refreshAfterRotation, type RefreshDeps } from './refresh';
import { parseRotationEvent } from './rotation-event-schema';

/** One message of the refresh queue. */
export interface RefreshMessage {
  messageId: string;
  body: string;
}

/**
 * The refresh queue's batch: each rotation event refreshed in turn. A message that is not a
 * rotation event is logged and dropped (a retry cannot fix it, and it came from whoever may put
 * events on the bus, not from keywarden); one whose secret cannot be read, or whose findings
 * cannot be published, is reported as a batch item failure and retried, then dead-lettered.
 */
export async function processRefreshBatch(messages: readonly RefreshMessage[], deps: RefreshDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of messages) {
    try {
      await refreshAfterRotation(parseRotationEvent(message.body), deps);
    } catch (error) {
      if (error instanceof InvalidRequestError) {
        deps.log.warn('dropped a message that is not a rotation event', { messageId: message.messageId, problem: error.message });
        continue;
      }
      deps.log.warn('refresh failed; the message is retried', { messageId: message.messageId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
}
