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
import { announce, type AnnounceDeps } from '../../shared/rotation/announce';
import { runRotationStep, type RotationDeps, type StepOutcome } from '../../shared/rotation/contract';
import { lazyRotationLedger, rotationLedgerTableFromEnv } from '../../shared/rotation/ledger';
import { accountOfFunctionArn, parseAccountRoles, rotationAccountOf, type AccountRoles } from '../../shared/rotation/cross-account';
import { rememberSecret } from '../../shared/redact';
import { raisingFindingOnRefusal, type RefusedRequest } from '../../shared/rotation/refusal';
import { parseRotateFunctionEvent } from '../../shared/rotation/request';
import { revokePrevious, type RevokeResult } from '../../shared/rotation/revoke';
import { rotationStrategies } from '../../shared/aws/rotation-strategies';
import { rotateAccountFromEnv } from '../../shared/rotation/settings';

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
// Rotation events (`keywarden.rotation`) go through the same lazily loaded chunk as refusals.
const announcements: AnnounceDeps = {
  publish: async (fields) => (await lazyDeps()).publishRotationEvent(fields),
  log,
  clock: systemClock,
};

/**
 * Secrets Manager's rotation function: one step of createSecret, setSecret, testSecret,
 * finishSecret. Also keywarden's emergency revocation (`{"Action": "revokePrevious", ...}`), so
 * every piece of code that touches a database credential runs here, inside the rotation VPC.
 * Whatever keywarden refuses (a RotationRefusedError) becomes a finding on the keywarden bus,
 * and the step still fails with it. A finished rotation (finishSecret done), a failed step and a
 * revocation each put a `keywarden.rotation` event on the bus (shared/rotation/rotation-event.ts);
 * publishing it never changes the step's result.
 */
export const handler = middy(async (event: unknown, context?: { invokedFunctionArn?: string }): Promise<StepOutcome | RevokeResult> => {
  const request = parseRotateFunctionEvent(event);
  if (request.kind === 'revoke') {
    const asked = { action: 'revokePrevious', secretId: request.secretId, token: request.token };
    const result = await raisingFindingOnRefusal(
      asked,
      async () => revokePrevious(request.secretId, request.token, await depsFor({ secretId: request.secretId, writesValue: false }, context)),
      refusals,
    );
    log.info('previous credential revoked', { ...result });
    if (result.revoked) {
      const versionId = result.replacementVersionId ?? request.token;
      await announce({ outcome: 'revoked', secretId: request.secretId, secretName: result.secret, versionId, strategy: result.strategy }, announcements);
    }
    return result;
  }
  rememberSecret(request.rotationToken);
  const asked = { action: request.step, secretId: request.secretId, token: request.token };
  let outcome: StepOutcome;
  try {
    outcome = await raisingFindingOnRefusal(
      asked,
      async () => runRotationStep(request, await depsFor({ secretId: request.secretId, rotationToken: request.rotationToken, writesValue: request.step === 'createSecret' }, context)),
      refusals,
    );
  } catch (error) {
    await announce({ outcome: 'failed', secretId: request.secretId, versionId: request.token, step: request.step, error }, announcements);
    throw error;
  }
  log.info('rotation step finished', { ...outcome });
  if (outcome.step === 'finishSecret' && outcome.result === 'done') {
    await announce({ outcome: 'succeeded', secretId: request.secretId, secretName: outcome.secret, versionId: request.token, ...(outcome.strategy !== undefined && { strategy: outcome.strategy }) }, announcements);
  }
  return outcome;
})
  .use(forgetSecretsEachInvocation())
  .use(injectLambdaContext(log))
  .use(logFailures(log, 'rotate function failed'));

/**
 * The deps of one request: the function's own Secrets Manager store, or, for a secret in another
 * account (shared/rotation/cross-account.ts), a store acting through the role an administrator
 * configured there, loaded as a chunk of its own only then. Refusals are checked before any call.
 */
async function depsFor(request: Parameters<typeof rotationAccountOf>[0], context: { invokedFunctionArn?: string } | undefined): Promise<RotationDeps> {
  const settings = rotateAccountFromEnv();
  const account = rotationAccountOf(request, accountRoles(settings.accountRoles), accountOfFunctionArn(context?.invokedFunctionArn) ?? settings.accountId);
  if (account.kind === 'home') return deps;
  const { secretsStoreIn } = await import('../../shared/aws/cross-account-store');
  const member = account.account;
  return {
    ...deps,
    store: secretsStoreIn(account),
    // The audit trail keeps a member account's secret as `<account>:<name>` (shared/audit/
    // member-accounts.ts accountQualified): by its bare name the check would read nothing, or a
    // same-named home secret's consumers, and let the rotation through.
    consumers: async (metadata, token) => deps.consumers!({ ...metadata, name: `${member}:${metadata.name}` }, token),
  };
}

let roles: { text: string | undefined; roles: AccountRoles } | undefined;
/** The administrator's account roles, read again only when the variable changes. */
function accountRoles(text: string | undefined): AccountRoles {
  if (roles === undefined || roles.text !== text) roles = { text, roles: parseAccountRoles(text) };
  return roles.roles;
}

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
