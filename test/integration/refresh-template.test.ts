import { beforeAll, describe, expect, it } from 'vitest';
import { expectLeastPrivilege, packageWithParams, readPackagedTemplate, roleStatements, type TemplateResource } from '../support/template';

/** The refresh part of the packaged template: who may do what, with and without an allow-list. */

const actions = (statements: Array<Record<string, unknown>>) => statements.flatMap((s) => [s.Action].flat() as string[]);

describe('the packaged template without refresh params', () => {
  const { Resources } = readPackagedTemplate();

  it('gives the refresh role no ECS or Lambda right at all, and the rotate role none either', () => {
    for (const role of ['RefreshRole', 'RotateRole']) {
      expect(actions(roleStatements(Resources, role)).filter((a) => a.startsWith('ecs:') || a.startsWith('lambda:Update') || a.startsWith('lambda:Publish'))).toEqual([]);
    }
    expect(Resources.RefreshConsumersPolicy).toBeUndefined();
  });

  it('routes only succeeded and revoked keywarden.rotation events on the keywarden bus to the refresh queue, with a DLQ', () => {
    const rule = Resources.RotationEventsToRefreshQueueRule!.Properties!;
    expect(rule.EventBusName).toEqual({ Ref: 'FindingsBus' });
    expect(rule.EventPattern).toEqual({ source: ['keywarden'], 'detail-type': ['keywarden.rotation'], account: [{ Ref: 'AWS::AccountId' }], detail: { outcome: ['succeeded', 'revoked'] } });
    expect(JSON.stringify(rule.Targets)).toContain('RefreshDeadLetterQueue');
  });

  it('alarms on the refresh dead-letter queue to the fallback topic: a refresh that failed for good is never silent', () => {
    expect(Resources.RefreshDeadLetterAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RefreshDeadLetterQueue', 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: 'AlertFallbackTopic' }],
    });
  });

  it('attack: the refresh role may write only refresh records in the rotation ledger, never the rotate function\'s pending# or the emergency function\'s revoke# items', () => {
    const writes = roleStatements(Resources, 'RefreshRole').filter((s) => actions([s]).some((a) => a.startsWith('dynamodb:')));
    expect(writes).toEqual([
      {
        Sid: 'RefreshRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::GetAtt': ['RotationLedgerTable', 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['refresh#*', 'refresh-failed#*'] } },
      },
    ]);
    expect(Resources.RefreshLambdaFunction!.Properties!.Environment).toMatchObject({ Variables: { KEYWARDEN_ROTATION_LEDGER_TABLE: { Ref: 'RotationLedgerTable' } } });
  });

  it('lets the refresh role read only the Kubernetes connection secret\'s value, of this stage', () => {
    const reads = roleStatements(Resources, 'RefreshRole').filter((s) => actions([s]).includes('secretsmanager:GetSecretValue'));
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]!.Resource)).toContain('secret:keywarden/${sls:stage}/kubernetes-connection-??????'.replace('${sls:stage}', 'ci'));
  });
});

describe('the packaged template with an allow-list', () => {
  let Resources: Record<string, TemplateResource>;
  beforeAll(() => {
    ({ Resources } = packageWithParams({ refreshEcsServices: 'apps/{tenant}-', refreshLambdaPrefixes: 'team-{tenant}-,billing-' }));
  }, 180_000);

  it('grants ecs:UpdateService and the Lambda calls on the allow-listed prefixes only, and stays least-privilege', () => {
    const statements = roleStatements(Resources, 'RefreshRole');
    const ecs = statements.find((s) => s.Sid === 'NewDeploymentsOfAllowedServices')!;
    const lambda = statements.find((s) => s.Sid === 'NewConfigurationVersionsOfAllowedFunctions')!;
    expect(JSON.stringify(ecs.Resource)).toBe(JSON.stringify([{ 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/apps/*-*' }]));
    expect(JSON.stringify(lambda.Resource)).toContain('function:team-*-*');
    expect(JSON.stringify(lambda.Resource)).toContain('function:billing-*');
    expectLeastPrivilege(Resources);
    expect(actions(roleStatements(Resources, 'RotateRole')).filter((a) => a.startsWith('ecs:'))).toEqual([]);
  });
});
