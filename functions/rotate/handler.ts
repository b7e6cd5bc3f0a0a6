import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { secretsManager } from '../../shared/aws/clients';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import { log } from '../../shared/log';
import { logFailures } from '../../shared/middleware/log-failures';
import { runRotationStep, type StepOutcome } from '../../shared/rotation/contract';
import { parseRotationEvent } from '../../shared/rotation/request';
import { rotationStrategies } from '../../shared/rotation/strategies';

const deps = { store: new SecretsManagerStore(secretsManager()), clock: systemClock, strategies: rotationStrategies };

/** Secrets Manager's rotation function: one step of createSecret, setSecret, testSecret, finishSecret. */
export const handler = middy(async (event: unknown): Promise<StepOutcome> => {
  const outcome = await runRotationStep(parseRotationEvent(event), deps);
  log.info('rotation step finished', { ...outcome });
  return outcome;
})
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'rotation step failed'));
