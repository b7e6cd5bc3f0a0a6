import type { SQSBatchResponse } from 'aws-lambda';
import { InvalidRequestError } from '../errors';
import { refreshAfterRotation, type RefreshDeps } from './refresh';
import { parseRotationEvent } from './rotation-event-schema';

/** One message of the refresh queue. */
export interface RefreshMessage {
  messageId: string;
  body: string;
}

/** The invocation's time, and whose events it takes. */
export interface RefreshBatchBudget {
  /** Lambda's context.getRemainingTimeInMillis. */
  remainingMs: () => number;
  /** Kept back from the budget: to publish the findings, record the targets and answer. */
  reserveMs: number;
  /** The account the function runs in: only its own events are taken (the rotate function puts them there). */
  account: string;
}

/**
 * The refresh queue's batch: each rotation event refreshed in turn, within the invocation's time
 * (the remaining time less `reserveMs`). A message is not started once the budget is spent, and
 * one whose targets the budget cut short is handed back with the rest (partial batch failures),
 * so only those are retried; its done targets are recorded and are not refreshed again. A message
 * that is not keywarden's own rotation event (another source, detail-type or account) is logged
 * and dropped (a retry cannot fix it, and it came from whoever may put events on the bus); one
 * whose secret, records or findings cannot be reached is retried, then dead-lettered.
 */
export async function processRefreshBatch(messages: readonly RefreshMessage[], deps: RefreshDeps, budget: RefreshBatchBudget): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of messages) {
    const left = budget.remainingMs() - budget.reserveMs;
    if (left <= 0) {
      deps.log.warn('no time left in this invocation; handing the message back', { messageId: message.messageId });
      batchItemFailures.push({ itemIdentifier: message.messageId });
      continue;
    }
    try {
      const report = await refreshAfterRotation(parseRotationEvent(message.body, budget.account), deps, AbortSignal.timeout(left));
      if (report.unfinished.length > 0) {
        deps.log.warn('the time budget ran out before every target was refreshed; the message is retried', { messageId: message.messageId, unfinished: report.unfinished });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
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
