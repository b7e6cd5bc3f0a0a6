import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { secretsManager } from '../../shared/aws/secrets-manager-client';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import type { RotationRefusedError } from '../../shared/errors';
import { log } from '../../shared/log';
import { forgetSecretsEachInvocation } from '../../shared/middleware/forget-secrets';
import { logFailures } from '../../shared/middleware/log-failures';
import type { BindingStore } from '../../shared/rotation/binding';
import { runRotationStep, type RotationDeps, type StepOutcome } from '../../shared/rotation/contract';
import { lazyRotationLedger, rotationLedgerTableFromEnv } from '../../shared/rotation/ledger';
import { raisingFindingOnRefusal, type RefusedRequest } from '../../shared/rotation/refusal';
import { parseRotateFunctionEvent } from '../../shared/rotation/request';
import { revokePrevious, type RevokeResult } from '../../shared/rotation/revoke';
import { rotationStrategies } from '../../shared/rotation/strategies';

// The bindings table, the rotation ledger and the findings bus are reached through chunks loaded
// at the first step that needs them, so a cold start loads neither the DynamoDB nor the
// EventBridge client.
const lazyDeps = once(() => import('../../shared/aws/rotate-deps'));
const lazyBindings = once(async () => (await lazyDeps()).rotateBindingStore());
const bindings: BindingStore = { get: async (secretArn) => (await lazyBindings()).get(secretArn) };
const lazyGate = once(async () => (await lazyDeps()).rotateConsumerGate({ clock: systemClock }));
const deps: RotationDeps = {
  store: new SecretsManagerStore(secretsManager()),
  clock: systemClock,
  // Asked only before a rotation that invalidates the previous credential (alternating users). An
  // emergency rotation (the emergency function granted its revocation first) always proceeds.
  consumers: async (metadata, token) => {
    if (await deps.ledger.revokeGrant(metadata.arn, token)) return log.info('emergency rotation: it proceeds whoever still holds the previous credential', { secret: metadata.name });
    log.info('consumer check before rotation', { secret: metadata.name, ...(await (await lazyGate())(metadata, token)) });
  },
  strategies: rotationStrategies,
  bindings,
  ledger: lazyRotationLedger(async () => (await import('../../shared/aws/dynamodb-rotation-ledger')).rotationLedgerOn(rotationLedgerTableFromEnv())),
};
const refusals = {
  publish: async (error: RotationRefusedError, request: RefusedRequest) => (await lazyDeps()).publishRefusal(error, request, deps),
  log,
};

/**
 * Secrets Manager's rotation function: one step of createSecret, setSecret, testSecret,
 * finishSecret. Also keywarden's emergency revocation (`{"Action": "revokePrevious", ...}`), so
 * every piece of code that touches a database credential runs here, inside the rotation VPC.
 * Whatever keywarden refuses (a RotationRefusedError) becomes a finding on the keywarden bus,
 * and the step still fails with it.
 */
export const handler = middy(async (event: unknown): Promise<StepOutcome | RevokeResult> => {
  const request = parseRotateFunctionEvent(event);
  if (request.kind === 'revoke') {
    const asked = { action: 'revokePrevious', secretId: request.secretId, token: request.token };
    const result = await raisingFindingOnRefusal(asked, () => revokePrevious(request.secretId, request.token, deps), refusals);
    log.info('previous credential revoked', { ...result });
    return result;
  }
  const asked = { action: request.step, secretId: request.secretId, token: request.token };
  const outcome = await raisingFindingOnRefusal(asked, () => runRotationStep(request, deps), refusals);
  log.info('rotation step finished', { ...outcome });
  return outcome;
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'rotate function failed'));

/** `load` run once; a failure is forgotten, so the next step tries again. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
