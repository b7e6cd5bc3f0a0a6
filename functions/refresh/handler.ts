import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { tenancyFromEnv } from '../../shared/tenancy';
import { dynamoDb, eventBridge, lambda, secretsManager } from '../../shared/aws/clients';
import { DynamoDbRefreshRecords } from '../../shared/aws/dynamodb-refresh-records';
import { ecs } from '../../shared/aws/ecs-client';
import { ecsServices } from '../../shared/aws/ecs-services';
import { lambdaConfigurations } from '../../shared/aws/lambda-configurations';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { secretVersionCreatedAt } from '../../shared/aws/secrets-manager-version-dates';
import { systemClock } from '../../shared/clock';
import { lazySettings } from '../../shared/settings/read';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';
import { refreshActions } from '../../shared/refresh/actions';
import { checkAllowList } from '../../shared/refresh/allow-list';
import { HttpsKubernetesApi } from '../../shared/refresh/kubernetes-https';
import { cachedKubernetesConnection } from '../../shared/refresh/kubernetes-source';
import { processRefreshBatch } from '../../shared/refresh/process-batch';
import type { RefreshDeps } from '../../shared/refresh/refresh';
import { refreshSettingsSchema } from '../../shared/refresh/settings';

const settings = lazySettings(refreshSettingsSchema);
// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = { secretsManager: secretsManager(), eventBridge: eventBridge(), ecs: ecs(), lambda: lambda(), dynamoDb: dynamoDb() };
let deps: RefreshDeps | undefined;

/** Built on the first invocation and kept while the instance is warm (the Kubernetes connection cache with it). */
function refresh(): RefreshDeps {
  if (deps) return deps;
  const e = settings();
  const store = new SecretsManagerStore(clients.secretsManager);
  const connection = cachedKubernetesConnection(store, e.k8sSecret, e.k8sConfigTtlSeconds * 1000, systemClock);
  deps = {
    store,
    versionCreatedAt: secretVersionCreatedAt(clients.secretsManager),
    records: new DynamoDbRefreshRecords(clients.dynamoDb, e.rotationLedgerTable),
    actions: refreshActions({
      kubernetes: new HttpsKubernetesApi(connection, e.timeoutMs),
      esoApiVersion: e.esoApiVersion,
      ecs: ecsServices(clients.ecs),
      lambda: lambdaConfigurations(clients.lambda),
      lambdaWait: { timeoutMs: e.lambdaWaitSeconds * 1000, intervalMs: 1000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    }),
    allowList: checkAllowList({
      ecsServices: e.ecsServices,
      lambdaPrefixes: e.lambdaPrefixes,
      k8sNamespaces: e.k8sNamespaces,
      ownFunctionPrefix: 'keywarden-',
    }),
    tenancy: tenancyFromEnv(),
    findings: new EventBridgeFindingPublisher(clients.eventBridge, e.findingsBus),
    clock: systemClock,
    callTimeoutMs: e.timeoutMs,
    log,
  };
  return deps;
}

/** The account in the function's own ARN (arn:aws:lambda:<region>:<account>:function:<name>). */
const accountOf = (functionArn: string): string => functionArn.split(':')[4] ?? '';

/**
 * The refresh queue's consumer: `keywarden.rotation` events (succeeded, revoked) in, each
 * secret's tagged consumers refreshed (shared/refresh/) once per version and within the
 * invocation's time, the messages to retry out (partial batch failures). A refresh that fails is a finding, never a failed rotation.
 */
export const handler = middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  return processRefreshBatch(
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
    refresh(),
    { remainingMs: () => context.getRemainingTimeInMillis(), reserveMs: settings().reserveMs, account: accountOf(context.invokedFunctionArn) },
  );
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'refresh batch failed'));
