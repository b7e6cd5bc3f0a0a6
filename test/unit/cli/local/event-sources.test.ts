import { describe, expect, it } from 'vitest';
import { eventSourcesOf, rateMs } from '../../../../cli/local/event-sources';
import type { CfnTemplate } from '../../../../cli/local/template';

// The shape `serverless package` writes for deploy/alert.yml, deploy/audit.yml and
// deploy/staleness.yml (trimmed to what the runner reads).
const template: CfnTemplate = {
  Resources: {
    AlertQueue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 720, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['AlertDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 } } },
    AlertDeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
    AuditQueue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 360 } },
    AlertLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'keywarden-ci-alert', Timeout: 120 } },
    AuditLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'keywarden-ci-audit', Timeout: 60 } },
    StalenessLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'keywarden-ci-staleness', Timeout: 300 } },
    AlertEventSourceMappingSQSAlertQueue: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        BatchSize: 10,
        EventSourceArn: { 'Fn::GetAtt': ['AlertQueue', 'Arn'] },
        FunctionName: { 'Fn::GetAtt': ['AlertLambdaFunction', 'Arn'] },
        Enabled: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
    AuditEventSourceMappingSQSAuditQueue: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { BatchSize: 1000, MaximumBatchingWindowInSeconds: 10, EventSourceArn: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] }, FunctionName: { 'Fn::GetAtt': ['AuditLambdaFunction', 'Arn'] } },
    },
    StalenessEventsRuleSchedule1: {
      Type: 'AWS::Events::Rule',
      Properties: { ScheduleExpression: 'rate(1 hour)', State: 'ENABLED', Targets: [{ Arn: { 'Fn::GetAtt': ['StalenessLambdaFunction', 'Arn'] }, Id: 'stalenessSchedule' }] },
    },
    NightlyRule: {
      Type: 'AWS::Events::Rule',
      Properties: { ScheduleExpression: 'cron(0 3 * * ? *)', Targets: [{ Arn: { 'Fn::GetAtt': ['StalenessLambdaFunction', 'Arn'] }, Input: '{"time":"2027-01-01T00:00:00Z"}' }] },
    },
  },
};

describe('eventSourcesOf', () => {
  const sources = eventSourcesOf(template, 'ci');

  it('reads each SQS mapping with its batch, window, partial failures, timeout and the queue redrive', () => {
    expect(sources.mappings).toEqual([
      {
        logicalId: 'AlertEventSourceMappingSQSAlertQueue',
        functionName: 'alert',
        queueLogicalId: 'AlertQueue',
        batchSize: 10,
        batchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        timeoutSeconds: 120,
        visibilityTimeoutSeconds: 720,
        maxReceiveCount: 5,
        deadLetterQueueLogicalId: 'AlertDeadLetterQueue',
      },
      {
        logicalId: 'AuditEventSourceMappingSQSAuditQueue',
        functionName: 'audit',
        queueLogicalId: 'AuditQueue',
        batchSize: 1000,
        batchingWindowSeconds: 10,
        reportBatchItemFailures: false,
        timeoutSeconds: 60,
        visibilityTimeoutSeconds: 360,
      },
    ]);
  });

  it('reads rate schedules to run, and keeps a cron schedule for `local tick` with a note', () => {
    expect(sources.schedules).toEqual([
      { logicalId: 'StalenessEventsRuleSchedule1', functionName: 'staleness', expression: 'rate(1 hour)', everyMs: 3_600_000, timeoutSeconds: 300 },
      { logicalId: 'NightlyRule', functionName: 'staleness', expression: 'cron(0 3 * * ? *)', timeoutSeconds: 300, input: { time: '2027-01-01T00:00:00Z' } },
    ]);
    expect(sources.unsupported).toEqual([expect.stringMatching(/^NightlyRule: cron\(0 3 \* \* \? \*\) \(only rate/)]);
  });

  it('skips a disabled mapping with a note', () => {
    const disabled = structuredClone(template);
    disabled.Resources.AuditEventSourceMappingSQSAuditQueue!.Properties!.Enabled = false;
    const result = eventSourcesOf(disabled, 'ci');
    expect(result.mappings.map((m) => m.functionName)).toEqual(['alert']);
    expect(result.unsupported).toContain('AuditEventSourceMappingSQSAuditQueue: disabled in the template');
  });
});

describe('rateMs', () => {
  it.each([
    ['rate(1 hour)', 3_600_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 days)', 172_800_000],
    ['rate(0 hours)', undefined],
    ['cron(0 * * * ? *)', undefined],
    ['rate(1 fortnight)', undefined],
  ])('%s → %s', (expression, ms) => {
    expect(rateMs(expression)).toBe(ms);
  });
});
