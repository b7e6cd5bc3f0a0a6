/**
 * What the ECS and Lambda refresh actions ask of AWS, as small interfaces: the adapters in
 * shared/aws (ecs-services.ts, lambda-configurations.ts) implement them over the SDK, so the
 * actions' logic never imports it. Every call takes the per-call abort signal of the batch budget.
 */

/** ECS's part: a forced new deployment of a service. */
export interface EcsServices {
  /** `UpdateService` with `forceNewDeployment`; the new deployment's id when ECS names one. */
  forceNewDeployment(cluster: string, service: string, signal: AbortSignal): Promise<string | undefined>;
}

/** A Lambda function's configuration as the refresh reads it (never logged: variables may be secrets). */
export interface FunctionConfigurationView {
  /** Lambda could not decrypt the variables: its error code. */
  environmentError?: string;
  variables: Record<string, string>;
  revisionId?: string;
  lastUpdateStatus?: string;
  lastUpdateStatusReasonCode?: string;
}

/** Lambda's part: read and replace a function's variables, and publish a version. */
export interface LambdaConfigurations {
  get(functionName: string, signal: AbortSignal): Promise<FunctionConfigurationView>;
  /** Replaces the whole set of variables, guarded by `revisionId` when given; the configuration after the call. */
  setVariables(functionName: string, variables: Record<string, string>, revisionId: string | undefined, signal: AbortSignal): Promise<FunctionConfigurationView>;
  /** PublishVersion, guarded by `revisionId` when given; the version number. */
  publish(functionName: string, revisionId: string | undefined, signal: AbortSignal): Promise<string | undefined>;
}
