import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processAlertBatch, type AlertPipelineDeps } from '../../shared/alerting/alert-pipeline';
import { CachedChannelConfig } from '../../shared/alerting/channel-config';
import { buildChannels } from '../../shared/alerting/channels';
import { deploymentFromArn } from '../../shared/alerting/console-link';
import { TopicFallbackNotifier } from '../../shared/alerting/dead-letter';
import { alertSettingsSchema } from '../../shared/alerting/settings';
import { tenancyFromEnv } from '../../shared/tenancy';
import { dynamoDb, secretsManager, sns, sqs } from '../../shared/aws/clients';
import { documentClient } from '../../shared/aws/dynamodb-document-client';
import { DynamoDbAlertState } from '../../shared/aws/dynamodb-alert-state';
import { DynamoDbPacer } from '../../shared/aws/dynamodb-pacer';
import { SecretsManagerChannelConfigSource } from '../../shared/aws/secrets-manager-channel-config';
import { SnsTopicPublisher } from '../../shared/aws/sns-topic-publisher';
import { SqsDeadLetterSink } from '../../shared/aws/sqs-dead-letter';
import { systemClock } from '../../shared/clock';
import { lazySettings } from '../../shared/settings/read';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';

const settingsFromEnv = lazySettings(alertSettingsSchema);
// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = {
  db: documentClient(dynamoDb()),
  sns: sns(),
  secretsManager: secretsManager(),
  sqs: sqs(),
};
let deps: AlertPipelineDeps | undefined;

/** Built on the first invocation and kept while the instance is warm (the config cache with it). */
function pipeline(): AlertPipelineDeps {
  if (deps) return deps;
  const e = settingsFromEnv();
  const { db } = clients;
  const publisher = new SnsTopicPublisher(clients.sns);
  const pacer = new DynamoDbPacer(db, e.table);
  const built: AlertPipelineDeps = {
    state: new DynamoDbAlertState(db, e.table, e.stateTtlDays * 86_400),
    config: new CachedChannelConfig(new SecretsManagerChannelConfigSource(clients.secretsManager, e.channelsSecret), {
      ttlMs: e.configTtlSeconds * 1000,
      defaultTopicArn: e.topicArn,
    }),
    channels: (config) => buildChannels(config, { pacer, publisher, egress: e.egress }),
    deadLetters: new SqsDeadLetterSink(clients.sqs, e.deadLetterQueueUrl),
    fallback: new TopicFallbackNotifier(e.fallbackTopicArn, publisher, e.stage),
    clock: systemClock,
    tenancy: tenancyFromEnv(),
    settings: {
      stage: e.stage,
      windowMs: e.dedupWindowSeconds * 1000,
      maxReceives: e.maxReceives,
      reserveMs: e.reserveMs,
      flood: {
        windowMs: e.floodWindowSeconds * 1000,
        pageCapPerHour: e.pageCapPerHour,
        firstUpdateAt: e.floodFirstUpdate,
      },
      // The fallback topic is this stack's own: its ARN names the partition, region and account
      // whose secrets may get a console link.
      deployment: deploymentFromArn(e.fallbackTopicArn),
    },
    log,
  };
  deps = built;
  return built;
}

/** The alert queue's consumer: a batch of findings in, the ones to retry out (partial batch failures). */
export const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const messages = event.Records.map((record) => ({
    messageId: record.messageId,
    body: record.body,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1,
  }));
  return processAlertBatch(messages, pipeline(), () => context.getRemainingTimeInMillis());
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'alert batch failed'));
