import type { Finding, FindingPublisher } from '../finding';
import { detectAnomalies, type DetectionDeps } from './engine';
import { hourlyReadCounter } from './hourly-reads';
import { admitAccount, type AuditAccounts } from '../audit/member-accounts';
import { normaliseCloudTrail } from '../audit/normalise';
import type { AuditRecord } from '../audit/record';
import type { AuditStore } from '../audit/store';

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
  /** The accounts the audit accepts (member-accounts.ts); absent or no members: one account, as before. */
  accounts?: AuditAccounts;
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
  /**
   * Messages handed to the dead-letter sink, each with its reason: unreadable, refused by the
   * audit table, or not judged by a detector (the rest of the batch was processed).
   */
  rejected: RejectedMessage[];
  findings: Finding[];
  /** Messages to retry (SQS: batchItemFailures). */
  failedIds: string[];
  /** Why the readable part of the batch failed, when it did. */
  error?: unknown;
}

/**
 * Processes one batch. Never throws, and never fails a batch for one bad message: unreadable
 * messages, records the audit table refuses for good and records a detector cannot judge go to
 * the dead-letter sink, each alone with its reason, and the rest carry on. When storage,
 * detection or publishing fails for a cause that may pass (DynamoDB or EventBridge unavailable,
 * throttled), every readable message is reported in `failedIds` (with `error`) so it is retried;
 * storing and counting are one atomic write per event, the other state is idempotent per event,
 * and findings are claimed by id, so the retry neither stores, counts nor raises twice.
 */
export async function processAuditBatch(messages: readonly AuditMessage[], deps: AuditPipelineDeps): Promise<AuditBatchResult> {
  const result: AuditBatchResult = { received: messages.length, stored: 0, duplicates: 0, skipped: 0, rejected: [], findings: [], failedIds: [] };
  const records: AuditRecord[] = [];
  const messagesOf = new Map<string, AuditMessage[]>();
  const unreadable: RejectedMessage[] = [];
  for (const message of messages) {
    let read = normaliseCloudTrail(message.body, deps.config.tenancy);
    if (read.kind === 'record' && deps.accounts) {
      const admitted = admitAccount(read.record, deps.accounts);
      read = admitted.kind === 'record' ? admitted : { kind: 'unreadable', reason: admitted.reason };
    }
    if (read.kind === 'skipped') {
      result.skipped += 1;
    } else if (read.kind === 'unreadable') {
      unreadable.push({ id: message.id, reason: read.reason, body: message.body });
    } else {
      const known = messagesOf.get(read.record.eventId);
      if (known) {
        known.push(message);
        result.duplicates += 1;
      } else {
        messagesOf.set(read.record.eventId, [message]);
        records.push(read.record);
      }
    }
  }
  await deadLetter(unreadable, deps, result);
  if (records.length === 0) return result;
  try {
    const put = await deps.store.putNew(records, hourlyReadCounter(deps.config, deps.clock.now().getTime()));
    result.stored = put.stored.size;
    result.duplicates += records.length - put.stored.size - put.refused.size;
    const accepted = put.refused.size === 0 ? records : records.filter((r) => !put.refused.has(r.eventId));
    const outcome = await detectAnomalies(accepted, deps);
    if (outcome.findings.length > 0) {
      try {
        await deps.publisher.publish(outcome.findings);
      } catch (error) {
        await outcome.release();
        throw error;
      }
    }
    result.findings = outcome.findings;
    const judged = new Map([...put.refused, ...outcome.unjudged]);
    await deadLetter(
      [...judged].flatMap(([eventId, reason]) => (messagesOf.get(eventId) ?? []).map((m) => ({ id: m.id, reason, body: m.body }))),
      deps,
      result,
    );
  } catch (error) {
    result.error = error;
    const dead = new Set(result.rejected.map((r) => r.id));
    for (const group of messagesOf.values()) for (const m of group) if (!dead.has(m.id)) result.failedIds.push(m.id);
  }
  return result;
}

/** Hands messages to the dead-letter sink; those it could not take are retried. */
async function deadLetter(rejected: readonly RejectedMessage[], deps: AuditPipelineDeps, result: AuditBatchResult): Promise<void> {
  if (rejected.length === 0) return;
  result.rejected.push(...rejected);
  const unsent = await deps.deadLetters.send(rejected).catch(() => new Set(rejected.map((r) => r.id)));
  result.failedIds.push(...unsent);
}
