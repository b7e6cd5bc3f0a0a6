import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one place that builds AWS SDK clients. No client is given an endpoint, a region or
 * credentials: the SDK reads them itself (`AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`,
 * `AWS_REGION`, the credential chain), so the same code talks to AWS in Lambda and to the local
 * AWS (moto) when those variables point at it.
 *
 * Each client is created on first use and then reused for the life of the process (in Lambda,
 * across warm invocations). A client reads its settings when it is created, so set the
 * environment first; {@link resetClients} is for tests that change it afterwards.
 *
 * Each function's handler builds its clients at load, so they are part of Lambda's init phase
 * (and of the cold init `npm run bench` times), not of the first invocation; what needs the
 * function's own variables waits for that invocation, which reports a bad one as its failure.
 */

/**
 * Attempts per call (the first try plus retries, with the SDK's standard backoff). Three keeps a
 * rotation step well inside its Lambda timeout while riding out a throttle or a dropped
 * connection. `AWS_MAX_ATTEMPTS`, when set, wins, as it does for every other AWS tool.
 */
export const DEFAULT_MAX_ATTEMPTS = 3;

type Factory<T> = () => T;
const cache = new Map<string, unknown>();

function cached<T>(key: string, create: Factory<T>): Factory<T> {
  return () => {
    let client = cache.get(key) as T | undefined;
    if (client === undefined) {
      client = create();
      cache.set(key, client);
    }
    return client;
  };
}

/** Settings shared by every client; everything else comes from the environment. */
function baseConfig(): { maxAttempts?: number } {
  // Passing undefined lets the SDK read AWS_MAX_ATTEMPTS (or the profile's max_attempts).
  return process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: DEFAULT_MAX_ATTEMPTS };
}

/** The Secrets Manager client. */
export const secretsManager: Factory<SecretsManagerClient> = /* @__PURE__ */ cached('secretsManager', () => new SecretsManagerClient(baseConfig()));

/** The SQS client. */
export const sqs: Factory<SQSClient> = /* @__PURE__ */ cached('sqs', () => new SQSClient(baseConfig()));

/** The EventBridge client. */
export const eventBridge: Factory<EventBridgeClient> = /* @__PURE__ */ cached('eventBridge', () => new EventBridgeClient(baseConfig()));

/** The SNS client. */
export const sns: Factory<SNSClient> = /* @__PURE__ */ cached('sns', () => new SNSClient(baseConfig()));

/** The DynamoDB client (low-level; wrap it in `DynamoDBDocumentClient` where plain objects suit). */
export const dynamoDb: Factory<DynamoDBClient> = /* @__PURE__ */ cached('dynamoDb', () => new DynamoDBClient(baseConfig()));

/** The Lambda client (the emergency function invokes the rotate function). */
export const lambda: Factory<LambdaClient> = /* @__PURE__ */ cached('lambda', () => new LambdaClient(baseConfig()));

/** The CloudWatch client (metrics, alarms, dashboards). */
export const cloudWatch: Factory<CloudWatchClient> = /* @__PURE__ */ cached('cloudWatch', () => new CloudWatchClient(baseConfig()));

/**
 * Forgets every cached client (destroying its connections), so the next call builds one from the
 * environment as it is now. For tests and for the CLI after it points the environment at a
 * different endpoint; Lambda code never needs it.
 */
export function resetClients(): void {
  for (const client of cache.values()) {
    (client as { destroy?: () => void }).destroy?.();
  }
  cache.clear();
}
