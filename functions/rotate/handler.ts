import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { secretsManager } from '../../shared/aws/secrets-manager-client';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import { log } from '../../shared/log';
import { logFailures } from '../../shared/middleware/log-failures';
import { runRotationStep, type RotationDeps, type StepOutcome } from '../../shared/rotation/contract';
import { lazyRotationLedger, rotationLedgerTableFromEnv } from '../../shared/rotation/ledger';
import { parseRotateFunctionEvent } from '../../shared/rotation/request';
import { revokePrevious, type RevokeResult } from '../../shared/rotation/revoke';
import { rotationStrategies } from '../../shared/rotation/strategies';

const deps: RotationDeps = {
  store: new SecretsManagerStore(secretsManager()),
  clock: systemClock,
  strategies: rotationStrategies,
  // Loaded by the first step that needs it, so the DynamoDB client stays out of cold init.
  ledger: lazyRotationLedger(async () => (await import('../../shared/aws/dynamodb-rotation-ledger')).rotationLedgerOn(rotationLedgerTableFromEnv())),
};

/**
 * Secrets Manager's rotation function: one step of createSecret, setSecret, testSecret,
 * finishSecret. Also keywarden's emergency revocation (`{"Action": "revokePrevious", ...}`), so
 * every piece of code that touches a database credential runs here, inside the rotation VPC.
 */
export const handler = middy(async (event: unknown): Promise<StepOutcome | RevokeResult> => {
  const request = parseRotateFunctionEvent(event);
  if (request.kind === 'revoke') {
    const result = await revokePrevious(request.secretId, request.token, deps);
    log.info('previous credential revoked', { ...result });
    return result;
  }
  const outcome = await runRotationStep(request, deps);
  log.info('rotation step finished', { ...outcome });
  return outcome;
})
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'rotate function failed'));
