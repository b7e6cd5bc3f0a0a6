import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processAlertBatch, type AlertPipelineDeps } from '../../shared/alerting/alert-pipeline';
import { CachedChannelConfig } from '../../shared/alerting/channel-config';
import { buildChannels } from '../../shared/alerting/channels';
import { deploymentFromArn } from '../../shared/alerting/console-link';
import { TopicFallbackNotifier } from '../../shared/alerting/dead-letter';
import { parseEgressPolicy } from '../../shared/alerting/egress';
import { alertEnvSchema } from '../../shared/alerting/settings';
import { tenancyFromEnv } from '../../shared/tenancy';
import { documentClient, dynamoDb, secretsManager, sns, sqs } from '../../shared/aws/clients';
import { DynamoDbAlertState } from '../../shared/aws/dynamodb-alert-state';
import { DynamoDbPacer } from '../../shared/aws/dynamodb-pacer';
import { SecretsManagerChannelConfigSource } from '../../shared/aws/secrets-manager-channel-config';
import { SnsTopicPublisher } from '../../shared/aws/sns-topic-publisher';
import { SqsDeadLetterSink } from '../../shared/aws/sqs-dead-letter';
import { systemClock } from '../../shared/clock';
import { lazyEnv } from '../../shared/config';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';

const env = lazyEnv(alertEnvSchema);
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
  const e = env();
  const { db } = clients;
  const publisher = new SnsTopicPublisher(clients.sns);
  const pacer = new DynamoDbPacer(db, e.KEYWARDEN_ALERT_TABLE);
  const egress = parseEgressPolicy(e.KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS);
  const built: AlertPipelineDeps = {
    state: new DynamoDbAlertState(db, e.KEYWARDEN_ALERT_TABLE, e.KEYWARDEN_ALERT_STATE_TTL_DAYS * 86_400),
    config: new CachedChannelConfig(new SecretsManagerChannelConfigSource(clients.secretsManager, e.KEYWARDEN_ALERT_CHANNELS_SECRET), {
      ttlMs: e.KEYWARDEN_ALERT_CONFIG_TTL_SECONDS * 1000,
      defaultTopicArn: e.KEYWARDEN_ALERT_TOPIC_ARN,
    }),
    channels: (config) => buildChannels(config, { pacer, publisher, egress }),
    deadLetters: new SqsDeadLetterSink(clients.sqs, e.KEYWARDEN_ALERT_DLQ_URL),
    fallback: new TopicFallbackNotifier(e.KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN, publisher, e.KEYWARDEN_STAGE),
    clock: systemClock,
    tenancy: tenancyFromEnv(),
    settings: {
      stage: e.KEYWARDEN_STAGE,
      windowMs: e.KEYWARDEN_ALERT_DEDUP_WINDOW_SECONDS * 1000,
      maxReceives: e.KEYWARDEN_ALERT_MAX_RECEIVES,
      reserveMs: e.KEYWARDEN_ALERT_RESERVE_MS,
      flood: {
        windowMs: e.KEYWARDEN_ALERT_FLOOD_WINDOW_SECONDS * 1000,
        pageCapPerHour: e.KEYWARDEN_ALERT_PAGE_CAP_PER_HOUR,
        firstUpdateAt: e.KEYWARDEN_ALERT_FLOOD_FIRST_UPDATE,
      },
      // The fallback topic is this stack's own: its ARN names the partition, region and account
      // whose secrets may get a console link.
      deployment: deploymentFromArn(e.KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN),
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
