import type { Finding, FindingPublisher } from '../alerting/finding';
import { detectAnomalies, type DetectionDeps } from '../detection/engine';
import { normaliseCloudTrail } from './normalise';
import type { AuditRecord } from './record';
import type { AuditStore } from './store';

/**
 * The audit pipeline's one use case, shared by the audit function (SQS batches) and
 * `keywarden audit replay` (files): read each message, set aside the unreadable ones with their
 * reason, store the rest once, run the detectors, publish the findings.
 */

/** One message: an SQS message body, or one record of a replayed file. */
export interface AuditMessage {
  /** SQS messageId, or the record's place in a file. */
  id: string;
  /** The text (or parsed JSON) of a CloudTrail record or an EventBridge event wrapping one. */
  body: unknown;
}

/** A message that could not be read, and why. */
export interface RejectedMessage {
  id: string;
  reason: string;
  body: unknown;
}

/** Where unreadable messages go: the audit DLQ (function), or the terminal (replay). */
export interface DeadLetterSink {
  /** Sends them; returns the ids that could not be sent (they are retried). */
  send(rejected: readonly RejectedMessage[]): Promise<ReadonlySet<string>>;
}

/** What the use case needs. */
export interface AuditPipelineDeps extends DetectionDeps {
  store: AuditStore;
  publisher: FindingPublisher;
  deadLetters: DeadLetterSink;
}

/** What one batch did. */
export interface AuditBatchResult {
  received: number;
  /** Records stored for the first time. */
  stored: number;
  /** Records already stored (a redelivery, or a repeat within the batch). */
  duplicates: number;
  /** Readable records that are not Secrets Manager events. */
  skipped: number;
  /** Unreadable messages handed to the dead-letter sink. */
  rejected: RejectedMessage[];
  findings: Finding[];
  /** Messages to retry (SQS: batchItemFailures). */
  failedIds: string[];
  /** Why the readable part of the batch failed, when it did. */
  error?: unknown;
}

/**
 * Processes one batch. Never throws for one bad message: unreadable ones go to the dead-letter
 * sink with their reason and the rest carry on. When storage, detection or publishing fails, every
 * readable message is reported in `failedIds` (with `error`) so it is retried; storing is
 * idempotent and findings are claimed by id, so the retry neither stores nor raises twice.
 */
export async function processAuditBatch(messages: readonly AuditMessage[], deps: AuditPipelineDeps): Promise<AuditBatchResult> {
  const result: AuditBatchResult = { received: messages.length, stored: 0, duplicates: 0, skipped: 0, rejected: [], findings: [], failedIds: [] };
  const records: AuditRecord[] = [];
  const messagesOf = new Map<string, string[]>();
  for (const message of messages) {
    const read = normaliseCloudTrail(message.body, deps.config.tenancy);
    if (read.kind === 'skipped') {
      result.skipped += 1;
    } else if (read.kind === 'unreadable') {
      result.rejected.push({ id: message.id, reason: read.reason, body: message.body });
    } else {
      const ids = messagesOf.get(read.record.eventId);
      if (ids) {
        ids.push(message.id);
        result.duplicates += 1;
      } else {
        messagesOf.set(read.record.eventId, [message.id]);
        records.push(read.record);
      }
    }
  }
  if (result.rejected.length > 0) {
    const unsent = await deps.deadLetters.send(result.rejected).catch(() => new Set(result.rejected.map((r) => r.id)));
    result.failedIds.push(...unsent);
  }
  if (records.length === 0) return result;
  try {
    const stored = await deps.store.putNew(records);
    result.stored = stored.size;
    result.duplicates += records.length - stored.size;
    const outcome = await detectAnomalies(records, stored, deps);
    if (outcome.findings.length > 0) {
      try {
        await deps.publisher.publish(outcome.findings);
      } catch (error) {
        await outcome.release();
        throw error;
      }
    }
    result.findings = outcome.findings;
  } catch (error) {
    result.error = error;
    for (const ids of messagesOf.values()) result.failedIds.push(...ids);
  }
  return result;
}
