import { cloudWatch, dynamoDb, eventBridge, secretsManager, sns, sqs } from '../../shared/aws/clients';
import { KeywardenError } from '../../shared/errors';
import { creators, generatedName, type AwsClients } from './creators';
import { creationOrder, localContext, resolveValue, type ResolveContext, type ResourceValues } from './resolve';
import type { CfnResource, CfnTemplate } from './template';

/**
 * Builds the local AWS from a packaged CloudFormation template: every resource of a type in
 * {@link creators} is created in dependency order with its intrinsic functions resolved; types
 * with no local counterpart are skipped with a note, since the local driver invokes the function
 * bundles itself. There is no second, hand-kept list of resources.
 */

/** Types the local AWS does not need: IAM is not enforced, the driver invokes bundles directly. */
export const SKIPPED_TYPES: Record<string, string> = {
  'AWS::IAM::Role': 'IAM is not enforced locally',
  'AWS::IAM::Policy': 'IAM is not enforced locally',
  'AWS::IAM::ManagedPolicy': 'IAM is not enforced locally',
  'AWS::Lambda::Function': 'the local driver invokes the built bundle itself',
  'AWS::Lambda::Version': 'the local driver invokes the built bundle itself',
  'AWS::Lambda::Alias': 'the local driver invokes the built bundle itself',
  'AWS::Lambda::Permission': 'the local driver invokes the built bundle itself',
  'AWS::Lambda::EventSourceMapping': 'the local driver delivers queue messages itself',
  'AWS::Lambda::EventInvokeConfig': 'the local driver invokes the built bundle itself',
  'AWS::Logs::LogGroup': 'bundles log to the terminal locally',
  'AWS::Logs::SubscriptionFilter': 'bundles log to the terminal locally',
  'AWS::S3::Bucket': 'the deployment bucket is only for uploads to AWS',
  'AWS::S3::BucketPolicy': 'the deployment bucket is only for uploads to AWS',
  'AWS::SQS::QueuePolicy': 'resource policies are not enforced locally',
  'AWS::SNS::TopicPolicy': 'resource policies are not enforced locally',
  'AWS::Events::EventBusPolicy': 'resource policies are not enforced locally',
  'AWS::SecretsManager::ResourcePolicy': 'resource policies are not enforced locally',
  'AWS::SecretsManager::RotationSchedule': 'the local driver plays the rotation schedule',
};

/** One resource that was created (or found already there). */
export interface CreatedResource {
  logicalId: string;
  type: string;
  /** The physical name: queue name, table name, topic name, secret name... */
  name: string;
}

/** One resource that was not created, and why. */
export interface SkippedResource {
  logicalId: string;
  type: string;
  reason: string;
}

/** What {@link createResources} did. */
export interface CreateResourcesResult {
  created: CreatedResource[];
  skipped: SkippedResource[];
  /** Ref/GetAtt values by logical id, e.g. to find a queue's URL. */
  values: Record<string, ResourceValues>;
}

/** Options for {@link createResources}. */
export interface CreateResourcesOptions {
  /** Used for names the template leaves to CloudFormation: `<stackName>-<logicalId>`. */
  stackName: string;
  region?: string;
  /** Clients to create with; default the shared ones from `shared/aws/clients.ts`. */
  clients?: AwsClients;
  /** Called for each skipped resource (a debug-level note). */
  onSkip?: (skipped: SkippedResource) => void;
}

/** The shared clients, which read AWS_ENDPOINT_URL and friends from the environment. */
export function defaultClients(): AwsClients {
  return { sqs: sqs(), dynamoDb: dynamoDb(), eventBridge: eventBridge(), sns: sns(), secretsManager: secretsManager(), cloudWatch: cloudWatch() };
}

/**
 * Creates the template's resources in the local AWS the clients point at. Safe to run again on
 * an AWS that has them: each creator converges instead of failing.
 *
 * @throws KeywardenError naming the resource that could not be created, with the cause.
 */
export async function createResources(template: CfnTemplate, options: CreateResourcesOptions): Promise<CreateResourcesResult> {
  const clients = options.clients ?? defaultClients();
  const parameters = Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([name, p]) => [name, p.Default]));
  const ctx = localContext(options.stackName, options.region ?? process.env.AWS_REGION ?? 'us-east-1', parameters);
  const result: CreateResourcesResult = { created: [], skipped: [], values: ctx.resources };
  for (const logicalId of creationOrder(template.Resources)) {
    const resource = template.Resources[logicalId]!;
    const create = creators[resource.Type];
    if (!create) {
      const reason = SKIPPED_TYPES[resource.Type] ?? 'no local counterpart for this type';
      ctx.resources[logicalId] = placeholderValues(logicalId, resource, ctx);
      const skipped = { logicalId, type: resource.Type, reason };
      result.skipped.push(skipped);
      options.onSkip?.(skipped);
      continue;
    }
    try {
      const props = (resolveValue(resource.Properties ?? {}, ctx) ?? {}) as Record<string, unknown>;
      const created = await create({ logicalId, props, ctx, clients });
      ctx.resources[logicalId] = { ref: created.ref, attributes: created.attributes };
      result.created.push({ logicalId, type: resource.Type, name: created.name });
    } catch (error) {
      throw new KeywardenError(`creating ${logicalId} (${resource.Type}) in the local AWS failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return result;
}

/**
 * Ref/GetAtt values for a resource that is not created, so that what refers to it (a rule
 * targeting a function, an alarm naming a log group) still resolves to what AWS would show.
 */
export function placeholderValues(logicalId: string, resource: CfnResource, ctx: ResolveContext): ResourceValues {
  const props = resource.Properties ?? {};
  const named = (key: string, max = 255): string => {
    try {
      const value = resolveValue(props[key], ctx);
      if (typeof value === 'string' && value) return value;
    } catch {
      // refers to something unresolvable; fall back to a generated name
    }
    return generatedName(ctx, logicalId, max);
  };
  const prefix = `arn:${ctx.partition}`;
  switch (resource.Type) {
    case 'AWS::Lambda::Function': {
      const name = named('FunctionName', 64);
      return { ref: name, attributes: { Arn: `${prefix}:lambda:${ctx.region}:${ctx.accountId}:function:${name}` } };
    }
    case 'AWS::Lambda::Version': {
      const fn = named('FunctionName', 64);
      const fnArn = fn.startsWith('arn:') ? fn : `${prefix}:lambda:${ctx.region}:${ctx.accountId}:function:${fn}`;
      return { ref: `${fnArn}:1`, attributes: { Version: '1', FunctionArn: fnArn } };
    }
    case 'AWS::IAM::Role': {
      const name = named('RoleName', 64);
      return { ref: name, attributes: { Arn: `${prefix}:iam::${ctx.accountId}:role/${name}`, RoleId: `AROA${logicalId.toUpperCase()}`.slice(0, 21) } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = named('ManagedPolicyName', 128);
      const policyArn = `${prefix}:iam::${ctx.accountId}:policy/${name}`;
      return { ref: policyArn, attributes: { PolicyArn: policyArn } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = named('LogGroupName', 512);
      return { ref: name, attributes: { Arn: `${prefix}:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*` } };
    }
    case 'AWS::S3::Bucket': {
      const name = named('BucketName', 63).toLowerCase();
      return { ref: name, attributes: { Arn: `${prefix}:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com` } };
    }
    default:
      return { ref: logicalId, attributes: {} };
  }
}
