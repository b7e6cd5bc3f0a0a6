import { PutMetricAlarmCommand, PutDashboardCommand, type CloudWatchClient, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DescribeEventBusCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient, type Target } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, DescribeSecretCommand, GetRandomPasswordCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { KeywardenError } from '../../shared/errors';
import type { ResolveContext, ResourceValues } from './resolve';

/**
 * One function per CloudFormation resource type that has a local counterpart: each creates the
 * resource in the local AWS from its (already resolved) properties, converges when it already
 * exists (so `local up` can run again), and returns what Ref and Fn::GetAtt give for it.
 */

/** The SDK clients the creators use. */
export interface AwsClients {
  sqs: SQSClient;
  dynamoDb: DynamoDBClient;
  eventBridge: EventBridgeClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
  cloudWatch: CloudWatchClient;
}

/** What a creator is handed. */
export interface CreateInput {
  logicalId: string;
  /** The resolved properties. */
  props: Record<string, unknown>;
  ctx: ResolveContext;
  clients: AwsClients;
}

/** A created resource: its physical name and its Ref/GetAtt values. */
export interface Created extends ResourceValues {
  name: string;
}

type Creator = (input: CreateInput) => Promise<Created>;

/**
 * A name for a resource the template leaves unnamed, as CloudFormation makes one
 * (`<stack>-<logicalId>`, without the random suffix so it is the same every run).
 */
export function generatedName(ctx: ResolveContext, logicalId: string, maxLength: number, suffix = ''): string {
  return `${ctx.stackName}-${logicalId}`.slice(0, maxLength - suffix.length) + suffix;
}

const arn = (ctx: ResolveContext, service: string, resource: string, region = ctx.region) =>
  `arn:${ctx.partition}:${service}:${region}:${ctx.accountId}:${resource}`;

const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const num = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : Number(value));
const jsonString = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
const tagList = (tags: unknown) => (Array.isArray(tags) ? (tags as Array<{ Key: string; Value: unknown }>).map(({ Key, Value }) => ({ Key, Value: String(Value) })) : undefined);
const tagMap = (tags: unknown) => (Array.isArray(tags) ? Object.fromEntries((tags as Array<{ Key: string; Value: unknown }>).map(({ Key, Value }) => [Key, String(Value)])) : undefined);
const defined = <T extends Record<string, unknown>>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
const errorName = (error: unknown) => (error as { name?: string }).name ?? '';

const SQS_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
];

const sqsQueue: Creator = async ({ logicalId, props, ctx, clients }) => {
  const fifo = String(props.FifoQueue) === 'true';
  const name = str(props.QueueName) ?? generatedName(ctx, logicalId, 80, fifo ? '.fifo' : '');
  const attributes: Record<string, string> = {};
  for (const key of SQS_ATTRIBUTES) if (props[key] !== undefined) attributes[key] = String(props[key]);
  for (const key of ['RedrivePolicy', 'RedriveAllowPolicy']) if (props[key] !== undefined) attributes[key] = jsonString(props[key])!;
  let url: string;
  try {
    url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: tagMap(props.Tags) }))).QueueUrl!;
  } catch (error) {
    if (!/QueueAlreadyExists|QueueNameExists/.test(errorName(error))) throw error;
    url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    const { FifoQueue: _immutable, ...changeable } = attributes;
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: changeable }));
  }
  const queueArn = arn(ctx, 'sqs', name);
  return { name, ref: url, attributes: { Arn: queueArn, QueueName: name, QueueUrl: url } };
};

const dynamoDbTable: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.TableName) ?? generatedName(ctx, logicalId, 255);
  const billingMode = (str(props.BillingMode) ?? 'PROVISIONED') as 'PROVISIONED' | 'PAY_PER_REQUEST';
  const throughput = (value: unknown) => {
    if (billingMode !== 'PROVISIONED') return undefined;
    const t = (value ?? {}) as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown };
    return { ReadCapacityUnits: num(t.ReadCapacityUnits) ?? 5, WriteCapacityUnits: num(t.WriteCapacityUnits) ?? 5 };
  };
  type Index = { IndexName: string; KeySchema: never; Projection: never; ProvisionedThroughput?: unknown };
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  const input: CreateTableCommandInput = defined({
    TableName: name,
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    BillingMode: billingMode,
    ProvisionedThroughput: throughput(props.ProvisionedThroughput),
    GlobalSecondaryIndexes: (props.GlobalSecondaryIndexes as Index[] | undefined)?.map((index) =>
      defined({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection, ProvisionedThroughput: throughput(index.ProvisionedThroughput) }),
    ),
    LocalSecondaryIndexes: (props.LocalSecondaryIndexes as Index[] | undefined)?.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
    })),
    StreamSpecification: stream?.StreamViewType ? { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES' } : undefined,
    TableClass: props.TableClass as CreateTableCommandInput['TableClass'],
    DeletionProtectionEnabled: props.DeletionProtectionEnabled === undefined ? undefined : String(props.DeletionProtectionEnabled) === 'true',
    Tags: tagList(props.Tags),
  });
  let table: TableDescription;
  try {
    table = (await clients.dynamoDb.send(new CreateTableCommand(input))).TableDescription!;
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
    table = (await clients.dynamoDb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  }
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: unknown } | undefined;
  if (ttl?.AttributeName && String(ttl.Enabled) === 'true') {
    try {
      await clients.dynamoDb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
    } catch (error) {
      // Already enabled (a second `local up`): that is the state we want.
      if (!/already enabled/i.test(String((error as Error).message))) throw error;
    }
  }
  const attributes: Record<string, string> = { Arn: table.TableArn ?? arn(ctx, 'dynamodb', `table/${name}`) };
  if (table.LatestStreamArn) attributes.StreamArn = table.LatestStreamArn;
  return { name, ref: name, attributes };
};

const eventBus: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.Name) ?? generatedName(ctx, logicalId, 256);
  let busArn: string | undefined;
  if (name === 'default') return { name, ref: name, attributes: { Arn: arn(ctx, 'events', 'event-bus/default'), Name: name } };
  try {
    busArn = (await clients.eventBridge.send(new CreateEventBusCommand(defined({ Name: name, Description: str(props.Description), Tags: tagList(props.Tags) })))).EventBusArn;
  } catch (error) {
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    busArn = (await clients.eventBridge.send(new DescribeEventBusCommand({ Name: name }))).Arn;
  }
  busArn ??= arn(ctx, 'events', `event-bus/${name}`);
  return { name, ref: name, attributes: { Arn: busArn, Name: name } };
};

const eventRule: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.Name) ?? generatedName(ctx, logicalId, 64);
  const busProp = str(props.EventBusName);
  const bus = busProp?.includes(':event-bus/') ? busProp.slice(busProp.indexOf(':event-bus/') + ':event-bus/'.length) : busProp;
  const out = await clients.eventBridge.send(
    new PutRuleCommand(
      defined({
        Name: name,
        EventBusName: bus,
        EventPattern: jsonString(props.EventPattern),
        ScheduleExpression: str(props.ScheduleExpression),
        State: (str(props.State) ?? 'ENABLED') as 'ENABLED',
        Description: str(props.Description),
        RoleArn: str(props.RoleArn),
        Tags: tagList(props.Tags),
      }),
    ),
  );
  const targets = (props.Targets as Target[] | undefined) ?? [];
  if (targets.length > 0) {
    const result = await clients.eventBridge.send(new PutTargetsCommand(defined({ Rule: name, EventBusName: bus, Targets: targets })));
    if (result.FailedEntryCount) {
      throw new KeywardenError(`rule ${name}: ${result.FailedEntryCount} target(s) refused: ${JSON.stringify(result.FailedEntries)}`);
    }
  }
  const ruleArn = out.RuleArn ?? arn(ctx, 'events', bus && bus !== 'default' ? `rule/${bus}/${name}` : `rule/${name}`);
  return { name, ref: bus && bus !== 'default' ? `${bus}|${name}` : name, attributes: { Arn: ruleArn } };
};

const snsSubscribe = async (clients: AwsClients, topicArn: string, props: Record<string, unknown>): Promise<string> => {
  const attributes: Record<string, string> = {};
  for (const key of ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy', 'DeliveryPolicy', 'SubscriptionRoleArn', 'ReplayPolicy']) {
    if (props[key] !== undefined) attributes[key] = jsonString(props[key])!;
  }
  const out = await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: str(props.Protocol), Endpoint: str(props.Endpoint), Attributes: attributes, ReturnSubscriptionArn: true }),
  );
  return out.SubscriptionArn!;
};

const snsTopic: Creator = async ({ logicalId, props, ctx, clients }) => {
  const fifo = String(props.FifoTopic) === 'true';
  const name = str(props.TopicName) ?? generatedName(ctx, logicalId, 256, fifo ? '.fifo' : '');
  const attributes: Record<string, string> = {};
  for (const key of ['DisplayName', 'FifoTopic', 'ContentBasedDeduplication', 'KmsMasterKeyId', 'TracingConfig', 'SignatureVersion']) {
    if (props[key] !== undefined) attributes[key] = String(props[key]);
  }
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes, Tags: tagList(props.Tags) }));
  for (const subscription of (props.Subscription as Array<Record<string, unknown>> | undefined) ?? []) {
    await snsSubscribe(clients, TopicArn!, subscription);
  }
  return { name, ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: name } };
};

const snsSubscription: Creator = async ({ props, clients }) => {
  const subscriptionArn = await snsSubscribe(clients, String(props.TopicArn), props);
  return { name: subscriptionArn, ref: subscriptionArn, attributes: { Arn: subscriptionArn } };
};

const secret: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.Name) ?? generatedName(ctx, logicalId, 512);
  let value = str(props.SecretString);
  const generate = props.GenerateSecretString as Record<string, unknown> | undefined;
  if (value === undefined && generate) {
    const { RandomPassword } = await clients.secretsManager.send(
      new GetRandomPasswordCommand(
        defined({
          PasswordLength: num(generate.PasswordLength),
          ExcludeCharacters: str(generate.ExcludeCharacters),
          ExcludeLowercase: generate.ExcludeLowercase as boolean | undefined,
          ExcludeNumbers: generate.ExcludeNumbers as boolean | undefined,
          ExcludePunctuation: generate.ExcludePunctuation as boolean | undefined,
          ExcludeUppercase: generate.ExcludeUppercase as boolean | undefined,
          IncludeSpace: generate.IncludeSpace as boolean | undefined,
          RequireEachIncludedType: generate.RequireEachIncludedType as boolean | undefined,
        }),
      ),
    );
    const template = str(generate.SecretStringTemplate);
    const key = str(generate.GenerateStringKey);
    value = template && key ? JSON.stringify({ ...(JSON.parse(template) as object), [key]: RandomPassword }) : RandomPassword;
  }
  let secretArn: string;
  try {
    secretArn = (
      await clients.secretsManager.send(
        new CreateSecretCommand(defined({ Name: name, Description: str(props.Description), KmsKeyId: str(props.KmsKeyId), SecretString: value, Tags: tagList(props.Tags) })),
      )
    ).ARN!;
  } catch (error) {
    if (errorName(error) !== 'ResourceExistsException') throw error;
    secretArn = (await clients.secretsManager.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
  }
  return { name, ref: secretArn, attributes: { Id: secretArn } };
};

const cloudWatchAlarm: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.AlarmName) ?? generatedName(ctx, logicalId, 255);
  type Metric = { MetricStat?: { Period?: unknown }; ReturnData?: unknown; Period?: unknown };
  const metrics = (props.Metrics as Metric[] | undefined)?.map((metric) => ({
    ...metric,
    ...(metric.MetricStat ? { MetricStat: { ...metric.MetricStat, Period: num(metric.MetricStat.Period) } } : {}),
    ...(metric.Period !== undefined ? { Period: num(metric.Period) } : {}),
    ...(metric.ReturnData !== undefined ? { ReturnData: String(metric.ReturnData) === 'true' } : {}),
  }));
  const input = defined({
    ...props,
    AlarmName: name,
    Threshold: num(props.Threshold),
    EvaluationPeriods: num(props.EvaluationPeriods),
    DatapointsToAlarm: num(props.DatapointsToAlarm),
    Period: num(props.Period),
    ActionsEnabled: props.ActionsEnabled === undefined ? undefined : String(props.ActionsEnabled) === 'true',
    Metrics: metrics,
    Tags: tagList(props.Tags),
  }) as unknown as PutMetricAlarmCommandInput;
  await clients.cloudWatch.send(new PutMetricAlarmCommand(input));
  return { name, ref: name, attributes: { Arn: arn(ctx, 'cloudwatch', `alarm:${name}`) } };
};

const cloudWatchDashboard: Creator = async ({ logicalId, props, ctx, clients }) => {
  const name = str(props.DashboardName) ?? generatedName(ctx, logicalId, 255);
  await clients.cloudWatch.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: jsonString(props.DashboardBody) ?? '{}' }));
  return { name, ref: name, attributes: {} };
};

/** The resource types the local AWS creates, each with its creator. An explicit map. */
export const creators: Record<string, Creator> = {
  'AWS::SQS::Queue': sqsQueue,
  'AWS::DynamoDB::Table': dynamoDbTable,
  'AWS::Events::EventBus': eventBus,
  'AWS::Events::Rule': eventRule,
  'AWS::SNS::Topic': snsTopic,
  'AWS::SNS::Subscription': snsSubscription,
  'AWS::SecretsManager::Secret': secret,
  'AWS::CloudWatch::Alarm': cloudWatchAlarm,
  'AWS::CloudWatch::Dashboard': cloudWatchDashboard,
};
