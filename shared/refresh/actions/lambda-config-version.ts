import { KeywardenError } from '../../errors';
import type { RefreshAction, RefreshContext } from '../action';
import type { FunctionConfigurationView, LambdaConfigurations } from '../services';

/** The variable keywarden sets on the function: the secret version its new configuration was made for. */
export const SECRET_VERSION_VARIABLE = 'KEYWARDEN_SECRET_VERSION';

/** How long to wait for Lambda to apply the configuration before publishing, and how often to look. */
export interface LambdaWait {
  timeoutMs: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * A new version of the function's configuration. Lambda has no "new version" call of its own: a
 * configuration change retires every warm instance (each new one reads the secret afresh) and
 * PublishVersion then freezes it as a numbered version. So: read the configuration, set
 * KEYWARDEN_SECRET_VERSION=<version id> among the variables it already has (UpdateFunctionConfiguration
 * replaces the whole set, so the others are sent back unchanged, never logged), guarded by the
 * RevisionId read so a deploy in between is not overwritten (PreconditionFailed instead), wait
 * while the update is InProgress, and publish that revision. Aliases are not moved: an alias on a
 * fixed version keeps it (say so in the function's runbook). A function already at this version
 * is not changed again, only published (an unchanged configuration publishes no new version), so a
 * redelivered event changes nothing and a try cut short before publishing is finished.
 */
export function lambdaConfigVersion(lambda: LambdaConfigurations, wait: LambdaWait): RefreshAction<{ action: 'lambda-config-version'; functionName: string }> {
  return {
    name: 'lambda-config-version',
    async run(target, ctx) {
      const FunctionName = target.functionName;
      const current = await lambda.get(FunctionName, ctx.callSignal());
      if (current.environmentError) {
        // Lambda could not decrypt the variables (a key keywarden may not use): sending a set back would erase them.
        throw new KeywardenError(`cannot read the environment of ${FunctionName} (${current.environmentError}); its variables would be lost`);
      }
      const variables = current.variables;
      // Already configured (an earlier try set it and was cut short before publishing, or finished):
      // wait and publish all the same. PublishVersion of an unchanged configuration returns the
      // version already published, so a finished one gains no new version.
      const configured = variables[SECRET_VERSION_VARIABLE] === ctx.versionId;
      const updated = configured ? current : await lambda.setVariables(FunctionName, { ...variables, [SECRET_VERSION_VARIABLE]: ctx.versionId }, current.revisionId, ctx.callSignal());
      const applied = await untilApplied(lambda, FunctionName, updated, wait, ctx);
      const published = await lambda.publish(FunctionName, applied.revisionId, ctx.callSignal());
      return `Lambda function ${FunctionName} configuration version ${published ?? '?'} for secret version ${ctx.versionId}`;
    },
  };
}

/** The configuration once Lambda has applied it; throws when the update failed, took too long, or the batch's budget ran out. */
async function untilApplied(lambda: LambdaConfigurations, FunctionName: string, updated: FunctionConfigurationView, wait: LambdaWait, ctx: RefreshContext): Promise<FunctionConfigurationView> {
  let config = updated;
  const deadline = Date.now() + wait.timeoutMs;
  while (config.lastUpdateStatus === 'InProgress') {
    if (Date.now() > deadline) throw new KeywardenError(`Lambda did not apply the configuration of ${FunctionName} within ${wait.timeoutMs} ms`);
    ctx.signal.throwIfAborted();
    await wait.sleep(wait.intervalMs);
    config = await lambda.get(FunctionName, ctx.callSignal());
  }
  if (config.lastUpdateStatus === 'Failed') throw new KeywardenError(`Lambda failed to apply the configuration of ${FunctionName} (${config.lastUpdateStatusReasonCode ?? 'no reason given'})`);
  return config;
}
