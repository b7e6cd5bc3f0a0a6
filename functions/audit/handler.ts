import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDb, eventBridge, sqs } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { DynamoDbDetectorState } from '../../shared/aws/dynamodb-detector-state';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { SqsDeadLetterSink } from '../../shared/aws/sqs-dead-letter-sink';
import { processAuditBatch, type AuditPipelineDeps } from '../../shared/detection/process-audit-batch';
import { auditSettingsFromEnv } from '../../shared/audit/settings';
import { systemClock } from '../../shared/clock';
import { ConfigError } from '../../shared/errors';
import { detectionConfigFromEnv } from '../../shared/detection/config';
import { detectors } from '../../shared/detection/detectors';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';

// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = { dynamoDb: dynamoDb(), eventBridge: eventBridge(), sqs: sqs() };
let deps: AuditPipelineDeps | undefined;

/** Built on the first invocation, from the environment, then kept for the warm container. */
function pipeline(): AuditPipelineDeps {
  if (deps) return deps;
  const settings = auditSettingsFromEnv();
  if (!settings.deadLetterQueueUrl) throw new ConfigError('invalid configuration: KEYWARDEN_AUDIT_DLQ_URL is required by the audit function');
  deps = {
    store: new DynamoDbAuditStore(clients.dynamoDb, settings.auditTable, settings.retentionDays, { counterTable: settings.stateTable }),
    state: new DynamoDbDetectorState(clients.dynamoDb, settings.stateTable),
    publisher: new EventBridgeFindingPublisher(clients.eventBridge, settings.findingsBus, settings.ownRegion),
    deadLetters: new SqsDeadLetterSink(clients.sqs, settings.deadLetterQueueUrl),
    accounts: settings.accounts,
    config: detectionConfigFromEnv(),
    detectors,
    clock: systemClock,
  };
  return deps;
}

/**
 * The audit function: a batch of CloudTrail events from the audit queue → audit table,
 * detectors, findings on the keywarden bus. A message that fails for good (unreadable, refused by
 * the audit table, not judged by a detector) goes to the DLQ alone with its reason and the rest
 * of the batch is processed; only messages that failed for a cause that may pass (DynamoDB or
 * EventBridge unavailable, the DLQ itself unreachable) come back in batchItemFailures for SQS to
 * retry, and their retry neither stores, counts nor raises twice.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const result = await processAuditBatch(
    event.Records.map((record) => ({ id: record.messageId, body: record.body })),
    pipeline(),
  );
  for (const rejected of result.rejected) log.warn('audit record sent to the DLQ', { messageId: rejected.id, reason: rejected.reason });
  if (result.error) log.error('audit batch failed; its messages will be retried', { error: result.error as Error, retried: result.failedIds.length });
  log.info('audit batch processed', {
    received: result.received,
    stored: result.stored,
    duplicates: result.duplicates,
    skipped: result.skipped,
    deadLettered: result.rejected.length,
    retried: result.failedIds.length,
    findings: result.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, id: f.id })),
  });
  return { batchItemFailures: result.failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'audit batch failed'));
