import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dynamoDb, eventBridge, lambda, secretsManager } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { DynamoDbEmergencyLedger } from '../../shared/aws/dynamodb-emergency-ledger';
import { DynamoDbRotationLedger } from '../../shared/aws/dynamodb-rotation-ledger';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { LambdaRotateFunction } from '../../shared/aws/lambda-rotate-function';
import { requestServiceRotation, rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { SecretsManagerInventory } from '../../shared/aws/secrets-manager-inventory';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { tenancyFromEnv } from '../../shared/tenancy';
import { systemClock } from '../../shared/clock';
import { parseEmergencyRequest } from '../../shared/emergency/request';
import type { EmergencyReport } from '../../shared/emergency/report';
import { serviceRotationRunner, steppedRotationRunner } from '../../shared/emergency/rotation-runner';
import { runEmergency, type EmergencyDeps } from '../../shared/emergency/runbook';
import { emergencySettingsFromEnv } from '../../shared/emergency/settings';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';
import type { RotationEvent } from '../../shared/rotation/driver';

// Built at load, in Lambda's init phase (see shared/aws/clients.ts).
const clients = { lambda: lambda(), secretsManager: secretsManager(), dynamoDb: dynamoDb(), eventBridge: eventBridge() };
let deps: EmergencyDeps | undefined;

/** Built on the first invocation, from the environment, then kept for the warm container. */
function runbookDeps(): EmergencyDeps {
  if (deps) return deps;
  const settings = emergencySettingsFromEnv();
  const rotateFunction = new LambdaRotateFunction(clients.lambda, settings.rotateFunction);
  const steps = (event: RotationEvent) => rotateFunction.invokeStep(event);
  const rotation =
    settings.rotationMode === 'service'
      ? serviceRotationRunner((arn, options) => requestServiceRotation(clients.secretsManager, arn, options))
      : steppedRotationRunner(rotateSecretStarter(clients.secretsManager), steps);
  deps = {
    store: new SecretsManagerStore(clients.secretsManager),
    inventory: new SecretsManagerInventory(clients.secretsManager),
    audit: new DynamoDbAuditStore(clients.dynamoDb, settings.auditTable, 365),
    ledger: new DynamoDbEmergencyLedger(clients.dynamoDb, settings.emergencyTable),
    rotation,
    // Repair finishes a stuck rotation by invoking the rotate function directly, in service mode
    // too: the role may invoke it (deploy/emergency.yml), and each step is idempotent.
    steps,
    revoker: rotateFunction,
    revokeGrants: new DynamoDbRotationLedger(clients.dynamoDb, settings.rotationLedgerTable),
    publisher: new EventBridgeFindingPublisher(clients.eventBridge, settings.findingsBus),
    clock: systemClock,
    tenancy: tenancyFromEnv(),
  };
  return deps;
}

/**
 * The emergency function, invoked by hand (`serverless invoke -f emergency --data '{...}'`) or by
 * `keywarden emergency`: the leaked-credential runbook for a secret, a tenant or a tag. A bad
 * request is refused with what was wrong; the answer is the JSON report of every step. It never
 * touches a database itself: revocation runs in the rotate function, inside the rotation VPC.
 */
export const handler = middy(async (event: unknown): Promise<EmergencyReport> => {
  const request = parseEmergencyRequest(event);
  log.info('emergency requested', { requestId: request.requestId, target: request.target, requestedBy: request.requestedBy, dryRun: request.dryRun });
  const report = await runEmergency(request, runbookDeps());
  log.info('emergency finished', { requestId: report.requestId, ok: report.ok, replayed: report.replayed, secrets: report.secrets.length });
  return report;
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'emergency failed'));
