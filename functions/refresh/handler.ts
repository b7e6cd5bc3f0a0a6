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
import { lazyEnv } from '../../shared/config';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';
import { refreshActions } from '../../shared/refresh/actions';
import { checkAllowList } from '../../shared/refresh/allow-list';
import { HttpsKubernetesApi } from '../../shared/refresh/kubernetes-https';
import { cachedKubernetesConnection } from '../../shared/refresh/kubernetes-source';
import { processRefreshBatch } from '../../shared/refresh/process-batch';
import type { RefreshDeps } from '../../shared/refresh/refresh';
import { refreshEnvSchema } from '../../shared/refresh/settings';
import { rotationLedgerTableName } from '../../shared/rotation/ledger';

const env = lazyEnv(refreshEnvSchema);
// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = { secretsManager: secretsManager(), eventBridge: eventBridge(), ecs: ecs(), lambda: lambda(), dynamoDb: dynamoDb() };
let deps: RefreshDeps | undefined;

/** Built on the first invocation and kept while the instance is warm (the Kubernetes connection cache with it). */
function refresh(): RefreshDeps {
  if (deps) return deps;
  const e = env();
  const store = new SecretsManagerStore(clients.secretsManager);
  const connection = cachedKubernetesConnection(store, e.KEYWARDEN_REFRESH_K8S_SECRET, e.KEYWARDEN_REFRESH_K8S_CONFIG_TTL_SECONDS * 1000, systemClock);
  deps = {
    store,
    versionCreatedAt: secretVersionCreatedAt(clients.secretsManager),
    records: new DynamoDbRefreshRecords(clients.dynamoDb, e.KEYWARDEN_ROTATION_LEDGER_TABLE ?? rotationLedgerTableName(e.KEYWARDEN_STAGE)),
    actions: refreshActions({
      kubernetes: new HttpsKubernetesApi(connection, e.KEYWARDEN_REFRESH_TIMEOUT_MS),
      esoApiVersion: e.KEYWARDEN_REFRESH_ESO_API_VERSION,
      ecs: ecsServices(clients.ecs),
      lambda: lambdaConfigurations(clients.lambda),
      lambdaWait: { timeoutMs: e.KEYWARDEN_REFRESH_LAMBDA_WAIT_SECONDS * 1000, intervalMs: 1000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    }),
    allowList: checkAllowList({
      ecsServices: e.KEYWARDEN_REFRESH_ECS_SERVICES,
      lambdaPrefixes: e.KEYWARDEN_REFRESH_LAMBDA_PREFIXES,
      k8sNamespaces: e.KEYWARDEN_REFRESH_K8S_NAMESPACES,
      ownFunctionPrefix: 'keywarden-',
    }),
    tenancy: tenancyFromEnv(),
    findings: new EventBridgeFindingPublisher(clients.eventBridge, e.KEYWARDEN_FINDINGS_BUS),
    clock: systemClock,
    callTimeoutMs: e.KEYWARDEN_REFRESH_TIMEOUT_MS,
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
    { remainingMs: () => context.getRemainingTimeInMillis(), reserveMs: env().KEYWARDEN_REFRESH_RESERVE_MS, account: accountOf(context.invokedFunctionArn) },
  );
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'refresh batch failed'));
