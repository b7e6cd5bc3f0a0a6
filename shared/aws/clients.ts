import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { baseConfig, cached, type Factory } from './client-cache';

export { DEFAULT_MAX_ATTEMPTS, resetClients } from './client-cache';
// In files of their own for the rotate function, which imports them directly: esbuild puts a
// file in every chunk of every bundle that reaches it through any import, even an unused
// re-export, so the rotate handler imports Secrets Manager's file alone at a cold start, and its
// bindings table and findings bus reach DynamoDB's and EventBridge's only through `await import()`.
export { dynamoDb } from './dynamodb-client';
export { eventBridge } from './eventbridge-client';
export { secretsManager } from './secrets-manager-client';

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
 *
 * A bundler assigns a whole file to a chunk: a function whose cold init must not parse an SDK
 * client that only a lazily imported module uses imports its eager client from the client's own
 * file (the rotate function: shared/aws/secrets-manager-client.ts), never from this one.
 */

/** The SQS client. */
export const sqs: Factory<SQSClient> = /* @__PURE__ */ cached('sqs', () => new SQSClient(baseConfig()));

/** The SNS client. */
export const sns: Factory<SNSClient> = /* @__PURE__ */ cached('sns', () => new SNSClient(baseConfig()));

/** The Lambda client (the emergency function invokes the rotate function). */
export const lambda: Factory<LambdaClient> = /* @__PURE__ */ cached('lambda', () => new LambdaClient(baseConfig()));

/** The CloudWatch client (metrics, alarms, dashboards). */
export const cloudWatch: Factory<CloudWatchClient> = /* @__PURE__ */ cached('cloudWatch', () => new CloudWatchClient(baseConfig()));
