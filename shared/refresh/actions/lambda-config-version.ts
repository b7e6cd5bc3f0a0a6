import { GetFunctionConfigurationCommand, PublishVersionCommand, UpdateFunctionConfigurationCommand, type FunctionConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { KeywardenError } from '../../errors';
import type { RefreshAction, RefreshContext } from '../action';

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
 * is left alone, so a redelivered event changes nothing.
 */
export function lambdaConfigVersion(lambda: LambdaClient, wait: LambdaWait): RefreshAction<{ action: 'lambda-config-version'; functionName: string }> {
  return {
    name: 'lambda-config-version',
    async run(target, ctx) {
      const FunctionName = target.functionName;
      const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }), { abortSignal: ctx.callSignal() });
      if (current.Environment?.Error) {
        // Lambda could not decrypt the variables (a key keywarden may not use): sending a set back would erase them.
        throw new KeywardenError(`cannot read the environment of ${FunctionName} (${current.Environment.Error.ErrorCode ?? 'error'}); its variables would be lost`);
      }
      const variables = current.Environment?.Variables ?? {};
      if (variables[SECRET_VERSION_VARIABLE] === ctx.versionId) return `Lambda function ${FunctionName} already configured for version ${ctx.versionId}`;
      const updated = await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName,
          Environment: { Variables: { ...variables, [SECRET_VERSION_VARIABLE]: ctx.versionId } },
          ...(current.RevisionId !== undefined && { RevisionId: current.RevisionId }),
        }),
        { abortSignal: ctx.callSignal() },
      );
      const applied = await untilApplied(lambda, FunctionName, updated, wait, ctx);
      const published = await lambda.send(new PublishVersionCommand({ FunctionName, ...(applied.RevisionId !== undefined && { RevisionId: applied.RevisionId }) }), { abortSignal: ctx.callSignal() });
      return `Lambda function ${FunctionName} configuration version ${published.Version ?? '?'} for secret version ${ctx.versionId}`;
    },
  };
}

/** The configuration once Lambda has applied it; throws when the update failed, took too long, or the batch's budget ran out. */
async function untilApplied(lambda: LambdaClient, FunctionName: string, updated: FunctionConfiguration, wait: LambdaWait, ctx: RefreshContext): Promise<FunctionConfiguration> {
  let config = updated;
  const deadline = Date.now() + wait.timeoutMs;
  while (config.LastUpdateStatus === 'InProgress') {
    if (Date.now() > deadline) throw new KeywardenError(`Lambda did not apply the configuration of ${FunctionName} within ${wait.timeoutMs} ms`);
    ctx.signal.throwIfAborted();
    await wait.sleep(wait.intervalMs);
    config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }), { abortSignal: ctx.callSignal() });
  }
  if (config.LastUpdateStatus === 'Failed') throw new KeywardenError(`Lambda failed to apply the configuration of ${FunctionName} (${config.LastUpdateStatusReasonCode ?? 'no reason given'})`);
  return config;
}
