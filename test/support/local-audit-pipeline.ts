import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { invokeBundle } from '../../cli/bundles';
import { putCloudTrail } from '../../cli/local/cloudtrail';
import { localContext, resolveValue, type ResourceValues } from '../../cli/local/resolve';
import { parseFinding, type Finding } from '../../shared/finding';
import { readPackagedTemplate } from './template';
import { templateResource } from './local-aws';

/**
 * Helpers for the audit integration tests: the audit function's environment as the packaged
 * template declares it, EventBridge → audit queue → built bundle delivery as Lambda's SQS event
 * source does it, and a probe queue on the keywarden bus to read findings back.
 */

export const sqs = new SQSClient({});
export const events = new EventBridgeClient({});

let declared: Record<string, unknown> | undefined;

/** Sets this process's environment to the audit function's, resolved against the local AWS. */
export function applyAuditFunctionEnv(): Record<string, string> {
  // Read once: the template file may be rewritten by a concurrent `serverless package`.
  declared ??= declaredEnvironment();
  const resources = new Proxy({} as Record<string, ResourceValues>, {
    get: (_target, id: string) => ({ ref: templateResource(id), attributes: new Proxy({}, { get: (_a, name: string) => templateResource(id, name) }) }),
  });
  const ctx = { ...localContext('keywarden-ci'), resources };
  const variables = resolveValue(declared, ctx) as Record<string, string>;
  Object.assign(process.env, variables, { POWERTOOLS_LOG_LEVEL: process.env.AUDIT_TEST_LOG_LEVEL ?? 'WARN' });
  return variables;
}

function declaredEnvironment(): Record<string, unknown> {
  const { Resources } = readPackagedTemplate();
  const fn = Resources.AuditLambdaFunction;
  if (!fn) throw new Error('AuditLambdaFunction is not in the packaged template: run `npm run build && npx serverless package --stage ci`');
  return (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** Puts CloudTrail records on the default bus as CloudTrail does: one EventBridge event each. */
export function putCloudTrailEvents(records: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  return putCloudTrail(events, records);
}

/** Every message now in a queue (none left in flight for the test's purposes). */
export async function drainQueue(queueUrl: string, attributes = false): Promise<Message[]> {
  const out: Message[] = [];
  for (let empty = 0; empty < 2; ) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600, MessageAttributeNames: attributes ? ['All'] : undefined, MessageSystemAttributeNames: ['All'] }));
    const messages = page.Messages ?? [];
    if (messages.length === 0) empty += 1;
    out.push(...messages);
  }
  return out;
}

/** Lambda's SQS event for a set of received messages. */
export function sqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: 'AIDAEVENTBRIDGE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * Delivers what is in the audit queue to the built audit bundle in batches, as the event source
 * mapping does: messages not reported as failures are deleted; failures stay for a retry.
 */
export async function runAuditQueue(batchSize = 1000): Promise<{ responses: SQSBatchResponse[]; delivered: number }> {
  const queueUrl = templateResource('AuditQueue');
  const queueArn = templateResource('AuditQueue', 'Arn');
  const messages = await drainQueue(queueUrl);
  const responses: SQSBatchResponse[] = [];
  for (let start = 0; start < messages.length; start += batchSize) {
    const batch = messages.slice(start, start + batchSize);
    const response = (await invokeBundle('audit', sqsEvent(batch, queueArn))) as SQSBatchResponse;
    responses.push(response);
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = batch.filter((m) => !failed.has(m.MessageId!));
    for (let i = 0; i < done.length; i += 10) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }
  return { responses, delivered: messages.length };
}

/** A queue subscribed to the keywarden bus (as the alert function's will be), to read findings back. */
export async function subscribeToFindings(): Promise<() => Promise<Finding[]>> {
  const events = await subscribeToFindingEvents();
  return async () => (await events()).map((event) => parseFinding(event.detail));
}

/** The same, as the EventBridge events that carried the findings (`resources` included). */
export async function subscribeToFindingEvents(): Promise<() => Promise<Array<{ resources?: string[]; detail: unknown }>>> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'audit-test-findings-probe' }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const bus = process.env.KEYWARDEN_FINDINGS_BUS ?? 'keywarden-ci';
  await events.send(new PutRuleCommand({ Name: 'audit-test-findings-probe', EventBusName: bus, EventPattern: JSON.stringify({ source: ['keywarden'], 'detail-type': ['keywarden.finding'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'audit-test-findings-probe', EventBusName: bus, Targets: [{ Id: 'probe', Arn: Attributes!.QueueArn! }] }));
  return async () => (await drainQueue(QueueUrl!)).map((m) => JSON.parse(m.Body!) as { resources?: string[]; detail: unknown });
}
