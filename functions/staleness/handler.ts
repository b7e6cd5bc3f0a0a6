import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { cloudWatch, dynamoDb, eventBridge, secretsManager } from '../../shared/aws/clients';
import { CloudWatchMetricsSink } from '../../shared/aws/cloudwatch-metrics';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { tenancyFromEnv } from '../../shared/tenancy';
import { consumerSettingsFromEnv } from '../../shared/consumers/settings';
import { auditTableFromEnv } from '../../shared/rotation/settings';
import { DynamoDbFindingStateStore } from '../../shared/aws/dynamodb-finding-state';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { SecretsManagerValueReader } from '../../shared/aws/secrets-manager-inventory';
import { ssm } from '../../shared/aws/ssm-client';
import { SsmParameterValueReader } from '../../shared/aws/ssm-parameter-inventory';
import { stalenessAccounts } from '../../shared/aws/staleness-accounts';
import { valueReaderByKind } from '../../shared/staleness/inventory';
import { fixedClock, systemClock } from '../../shared/clock';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';
import { stalenessResourcesFromEnv, stalenessSettingsFromEnv } from '../../shared/staleness/config';
import { parseStalenessEvent } from '../../shared/staleness/request';
import { runStalenessScan, type StalenessScanDeps, type StalenessScanSummary } from '../../shared/staleness/scan';

// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = { secretsManager: secretsManager(), ssm: ssm(), cloudWatch: cloudWatch(), eventBridge: eventBridge(), dynamoDb: dynamoDb() };
let deps: Omit<StalenessScanDeps, 'clock'> | undefined;

/** Built on the first invocation, so a missing variable fails that invocation with a clear error. */
function dependencies(): Omit<StalenessScanDeps, 'clock'> {
  if (deps) return deps;
  const resources = stalenessResourcesFromEnv();
  deps = {
    // Each account and region of KEYWARDEN_ACCOUNTS (the home one always): secrets, and in the
    // home scope the SecureString parameters under KEYWARDEN_SSM_PATH_PREFIXES. Values are read
    // (opt-in hygiene) in the home scope only: member sessions may only read metadata.
    accounts: stalenessAccounts(),
    values: valueReaderByKind(new SecretsManagerValueReader(clients.secretsManager), new SsmParameterValueReader(clients.ssm)),
    metrics: new CloudWatchMetricsSink(clients.cloudWatch, resources.namespace),
    findings: new EventBridgeFindingPublisher(clients.eventBridge, resources.busName),
    state: new DynamoDbFindingStateStore(clients.dynamoDb, resources.tableName),
    settings: stalenessSettingsFromEnv(),
    // The freshness check after rotations: who has not read a rotated secret since (Query only).
    consumers: { audit: new DynamoDbAuditStore(clients.dynamoDb, auditTableFromEnv(), 365), settings: consumerSettingsFromEnv(), tenancy: tenancyFromEnv() },
  };
  return deps;
}

/** The hourly staleness scan: metrics for the whole inventory, findings once a day per secret. */
export const handler = middy(async (event: unknown): Promise<StalenessScanSummary> => {
  const request = parseStalenessEvent(event);
  const clock = request.asOf ? fixedClock(request.asOf) : systemClock;
  const summary = await runStalenessScan({ ...dependencies(), clock });
  log.info('staleness scan finished', { ...summary });
  return summary;
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'staleness scan failed'));
