import { GetFunctionConfigurationCommand, PublishVersionCommand, UpdateFunctionConfigurationCommand, type FunctionConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionConfigurationView, LambdaConfigurations } from '../refresh/services';

/** {@link LambdaConfigurations} over the Lambda client. */
export function lambdaConfigurations(lambda: LambdaClient): LambdaConfigurations {
  return {
    async get(FunctionName, signal) {
      return viewOf(await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }), { abortSignal: signal }));
    },
    async setVariables(FunctionName, Variables, RevisionId, signal) {
      return viewOf(await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables }, ...(RevisionId !== undefined && { RevisionId }) }), { abortSignal: signal }));
    },
    async publish(FunctionName, RevisionId, signal) {
      return (await lambda.send(new PublishVersionCommand({ FunctionName, ...(RevisionId !== undefined && { RevisionId }) }), { abortSignal: signal })).Version;
    },
  };
}

function viewOf(config: FunctionConfiguration): FunctionConfigurationView {
  return {
    environmentError: config.Environment?.Error ? (config.Environment.Error.ErrorCode ?? 'error') : undefined,
    variables: config.Environment?.Variables ?? {},
    revisionId: config.RevisionId,
    lastUpdateStatus: config.LastUpdateStatus,
    lastUpdateStatusReasonCode: config.LastUpdateStatusReasonCode,
  };
}
