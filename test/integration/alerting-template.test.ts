import { describe, expect, it } from 'vitest';
import { iamStatements, kmsStatements, packageWithParams, readPackagedTemplate, SECRETS_KMS_KEYS, THROUGH_SECRETS_MANAGER } from '../support/template';

// deploy/alert.yml as packaged: the queue wiring, and a role that can do only what the alert
// function does.

const { Resources } = readPackagedTemplate();
const props = (id: string) => Resources[id]!.Properties!;

describe('the alert part of the template', () => {
  it('routes keywarden findings and Secrets Manager rotation events to the alert queue', () => {
    expect(props('FindingsToAlertQueueRule')).toMatchObject({
      EventBusName: { Ref: 'FindingsBus' },
      EventPattern: { source: ['keywarden'], 'detail-type': ['keywarden.finding'] },
      Targets: [{ Arn: { 'Fn::GetAtt': ['AlertQueue', 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlertDeadLetterQueue', 'Arn'] } } }],
    });
    const rotation = props('RotationEventsToAlertQueueRule');
    expect(rotation.EventBusName).toBeUndefined();
    expect(rotation.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed', 'RotationAbandoned', 'RotationSucceeded'] },
    });
  });

  it('lets only those two rules send to the queues', () => {
    const [statement] = (props('AlertQueuesPolicy').PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    expect(statement).toMatchObject({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    expect(JSON.stringify(statement!.Condition)).toContain('FindingsToAlertQueueRule');
    expect(JSON.stringify(statement!.Condition)).toContain('RotationEventsToAlertQueueRule');
  });

  it('reads the queue in batches reporting partial failures, and redrives after as many receives as the function expects', () => {
    const mapping = Object.values(Resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties).includes('AlertQueue'))!;
    expect(mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    const env = (props('AlertLambdaFunction').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(String((props('AlertQueue').RedrivePolicy as { maxReceiveCount: unknown }).maxReceiveCount)).toBe(String(env.KEYWARDEN_ALERT_MAX_RECEIVES));
    expect(Number(props('AlertQueue').VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(props('AlertLambdaFunction').Timeout));
    expect(env.KEYWARDEN_ALERT_CHANNELS_SECRET).toBe('keywarden/ci/alert-channels');
    // Only the secret's name is in the environment: no URL, no key.
    expect(JSON.stringify(env)).not.toMatch(/hooks\.slack\.com|routing|https?:/i);
    // A deployed stage sends only to Slack's and PagerDuty's hosts unless its operator lists a proxy.
    expect(env.KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS).toBe('');
    expect(env).toMatchObject({ KEYWARDEN_ALERT_FLOOD_WINDOW_SECONDS: '3600', KEYWARDEN_ALERT_PAGE_CAP_PER_HOUR: '5', KEYWARDEN_ALERT_FLOOD_FIRST_UPDATE: '10' });
    expect(props('AlertStateTable')).toMatchObject({ TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
  });

  it('gives the alert role only its own queue, table, topics and channel secret', () => {
    const statements = iamStatements(Resources)
      .filter(({ where }) => where.startsWith('AlertRole/'))
      .map(({ statement }) => statement);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid as string, s]));
    expect(bySid.ReadTheChannelConfiguration).toMatchObject({ Action: 'secretsmanager:GetSecretValue' });
    expect(JSON.stringify(bySid.ReadTheChannelConfiguration!.Resource)).toContain(':secret:keywarden/ci/alert-channels-??????');
    expect(bySid.PublishAlertsAndFallback).toMatchObject({ Action: 'sns:Publish', Resource: [{ Ref: 'AlertTopic' }, { Ref: 'AlertFallbackTopic' }] });
    expect(bySid.DedupAndDeliveryState!.Resource).toEqual({ 'Fn::GetAtt': ['AlertStateTable', 'Arn'] });
    expect(bySid.DeadLetterWithReason).toMatchObject({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['AlertDeadLetterQueue', 'Arn'] } });
    for (const statement of statements) expect(statement.Resource).not.toBe('*');
  });

  it('may decrypt its channel secret with the secretsKmsKeyArns keys, through Secrets Manager only, and uses no key without them', () => {
    expect(kmsStatements(Resources, 'AlertRole')).toEqual([]);
    const withKeys = packageWithParams({ secretsKmsKeyArns: SECRETS_KMS_KEYS.join(',') }).Resources;
    expect(kmsStatements(withKeys, 'AlertRole')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: SECRETS_KMS_KEYS, Condition: THROUGH_SECRETS_MANAGER }),
    ]);
  }, 120_000);
});
