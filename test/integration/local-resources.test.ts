import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { cloudWatch, dynamoDb, eventBridge, secretsManager, sns, sqs } from '../../shared/aws/clients';
import { createResources } from '../../cli/local/resources';
import { countResources } from '../../cli/local/inventory';
import type { CfnTemplate } from '../../cli/local/template';
import { clearLocalAws } from '../support/local-aws';

const FIXTURE = join(import.meta.dirname, '..', 'support', 'fixtures', 'template-with-resources.json');
const template = JSON.parse(readFileSync(FIXTURE, 'utf8')) as CfnTemplate;
const STACK = 'keywarden-fixture';
const ACCOUNT = '123456789012';

async function build() {
  await clearLocalAws();
  return createResources(template, { stackName: STACK });
}

async function receiveOne(queueUrl: string): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const { Messages } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    if (Messages?.[0]?.Body) return Messages[0].Body;
  }
  throw new Error(`no message arrived in ${queueUrl}`);
}

describe('creating a template\'s resources in the local AWS', () => {
  it('creates every supported resource and skips IAM, Lambda and policies with a reason', async () => {
    const result = await build();
    const created = Object.fromEntries(result.created.map((r) => [r.logicalId, r.name]));
    expect(created).toMatchObject({
      AlertsDeadLetterQueue: 'keywarden-fixture-alerts-dlq',
      AlertsQueue: 'keywarden-fixture-alerts',
      AuditTable: 'keywarden-fixture-audit',
      DetectorStateTable: 'keywarden-fixture-DetectorStateTable',
      FindingsBus: 'keywarden-fixture',
      AlertsTopic: 'keywarden-fixture-alerts',
      WebhookSecret: 'keywarden/fixture/slack-webhook',
      DeadLettersAlarm: 'keywarden-fixture-alerts-dlq-not-empty',
      Dashboard: 'keywarden-fixture',
    });
    expect(result.skipped.map((s) => s.logicalId).sort()).toEqual(['AlertsQueuePolicy', 'StalenessLambdaFunction', 'StalenessRole']);
    expect(result.skipped.every((s) => s.reason.length > 0)).toBe(true);
    expect(await countResources()).toMatchObject({ queues: 3, tables: 2, eventBuses: 1, rules: 2, topics: 1, subscriptions: 1, secrets: 1, alarms: 1, dashboards: 1 });
  });

  it('gives queues their settings and the dead-letter queue its resolved ARN', async () => {
    const result = await build();
    const url = result.values.AlertsQueue!.ref;
    const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(Attributes?.VisibilityTimeout).toBe('120');
    expect(Attributes?.MessageRetentionPeriod).toBe('345600');
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:keywarden-fixture-alerts-dlq`,
      maxReceiveCount: 5,
    });
    const dlq = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: result.values.AlertsDeadLetterQueue!.ref, AttributeNames: ['MessageRetentionPeriod'] }));
    expect(dlq.Attributes?.MessageRetentionPeriod).toBe('1209600');
  });

  it('creates tables with their keys, GSI, billing mode, stream and TTL', async () => {
    const result = await build();
    const { Table } = await dynamoDb().send(new DescribeTableCommand({ TableName: 'keywarden-fixture-audit' }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byPrincipal']);
    expect(Table?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(result.values.AuditTable!.attributes.StreamArn).toBe(Table?.LatestStreamArn);
    const ttl = await dynamoDb().send(new DescribeTimeToLiveCommand({ TableName: 'keywarden-fixture-audit' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const state = await dynamoDb().send(new DescribeTableCommand({ TableName: 'keywarden-fixture-DetectorStateTable' }));
    expect(state.Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 2 });
  });

  it('routes an event on the bus through the rule to its SQS target', async () => {
    const result = await build();
    const rule = await eventBridge().send(new DescribeRuleCommand({ Name: 'keywarden-fixture-findings-to-alerts', EventBusName: 'keywarden-fixture' }));
    expect(JSON.parse(rule.EventPattern!)).toEqual({ source: ['keywarden'], 'detail-type': ['Finding'] });
    const { Targets } = await eventBridge().send(new ListTargetsByRuleCommand({ Rule: 'keywarden-fixture-findings-to-alerts', EventBusName: 'keywarden-fixture' }));
    expect(Targets).toEqual([expect.objectContaining({ Id: 'alerts', Arn: result.values.AlertsQueue!.attributes.Arn, InputPath: '$.detail' })]);

    await eventBridge().send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'keywarden-fixture', Source: 'keywarden', DetailType: 'Finding', Detail: JSON.stringify({ ruleId: 'r1' }) }] }),
    );
    expect(JSON.parse(await receiveOne(result.values.AlertsQueue!.ref))).toEqual({ ruleId: 'r1' });
  });

  it('resolves a target on a function that is not created to the ARN AWS would give it', async () => {
    const result = await build();
    const name = result.created.find((r) => r.logicalId === 'StalenessScheduleRule')!.name;
    expect(name).toBe('keywarden-fixture-StalenessScheduleRule');
    const rule = await eventBridge().send(new DescribeRuleCommand({ Name: name }));
    expect(rule.ScheduleExpression).toBe('rate(1 hour)');
    const { Targets } = await eventBridge().send(new ListTargetsByRuleCommand({ Rule: name }));
    expect(Targets?.[0]).toMatchObject({ Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keywarden-fixture-staleness`, Input: '{"source":"schedule"}' });
  });

  it('subscribes the queue to the topic, raw delivery', async () => {
    const result = await build();
    const topicArn = result.values.AlertsTopic!.ref;
    expect(topicArn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:keywarden-fixture-alerts`);
    const { Subscriptions } = await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(Subscriptions).toEqual([expect.objectContaining({ Protocol: 'sqs', Endpoint: result.values.PagesQueue!.attributes.Arn })]);
    await sns().send(new PublishCommand({ TopicArn: topicArn, Message: 'page the on-call' }));
    expect(await receiveOne(result.values.PagesQueue!.ref)).toBe('page the on-call');
  });

  it('creates the secret with a generated value in its template, the alarm and the dashboard', async () => {
    const result = await build();
    const secret = await secretsManager().send(new GetSecretValueCommand({ SecretId: 'keywarden/fixture/slack-webhook' }));
    const value = JSON.parse(secret.SecretString!) as Record<string, string>;
    expect(value.username).toBe('keywarden');
    expect(value.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(result.values.WebhookSecret!.ref).toBe(secret.ARN);
    const described = await secretsManager().send(new DescribeSecretCommand({ SecretId: 'keywarden/fixture/slack-webhook' }));
    expect(described.Tags).toEqual([{ Key: 'keywarden:stage', Value: 'fixture' }]);

    const { MetricAlarms } = await cloudWatch().send(new DescribeAlarmsCommand({ AlarmNames: ['keywarden-fixture-alerts-dlq-not-empty'] }));
    expect(MetricAlarms?.[0]).toMatchObject({
      Namespace: 'AWS/SQS',
      EvaluationPeriods: 1,
      Threshold: 0,
      AlarmActions: [result.values.AlertsTopic!.ref],
      Dimensions: [{ Name: 'QueueName', Value: 'keywarden-fixture-alerts-dlq' }],
    });
    const dashboard = await cloudWatch().send(new GetDashboardCommand({ DashboardName: 'keywarden-fixture' }));
    expect(JSON.parse(dashboard.DashboardBody!).widgets[0].properties.markdown).toBe('keywarden-fixture in us-east-1');
  });

  it('converges when run again on an AWS that already has the resources', async () => {
    const first = await build();
    const second = await createResources(template, { stackName: STACK });
    expect(second.created.map((r) => r.name)).toEqual(first.created.map((r) => r.name));
    expect(second.values.AlertsQueue!.ref).toBe(first.values.AlertsQueue!.ref);
    expect(second.values.WebhookSecret!.ref).toBe(first.values.WebhookSecret!.ref);
    expect(await countResources()).toMatchObject({ queues: 3, tables: 2, topics: 1, subscriptions: 1, secrets: 1 });
  });
});
