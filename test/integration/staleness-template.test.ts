import { DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { cloudWatch, dynamoDb } from '../../shared/aws/clients';
import { kmsStatements, packageWithParams, readPackagedTemplate, roleStatements, SECRETS_KMS_KEYS, THROUGH_SECRETS_MANAGER, type TemplateResource } from '../support/template';
import { templateResource } from '../support/local-aws';

/** deploy/staleness.yml as packaged, and as `keywarden local up` creates it in the local AWS. */

const { Resources } = readPackagedTemplate();
const props = (id: string) => Resources[id]!.Properties as Record<string, unknown>;
type Widget = { type: string; properties: { title?: string; metrics?: unknown[][] } };

describe('the staleness part of the packaged template', () => {
  it('runs the function hourly, one scan at a time, with the time a 10,000-secret scan needs', () => {
    const rule = Object.values(Resources).find(
      (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.Targets).includes('StalenessLambdaFunction'),
    ) as TemplateResource;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    expect(props('StalenessLambdaFunction')).toMatchObject({ Timeout: 300, ReservedConcurrentExecutions: 1 });
    const env = (props('StalenessLambdaFunction').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({ KEYWARDEN_METRICS_NAMESPACE: 'Keywarden/ci/Staleness', KEYWARDEN_STALENESS_TABLE: { Ref: 'StalenessStateTable' }, KEYWARDEN_HYGIENE: 'tagged' });
  });

  it('keeps open findings in a table with a TTL', () => {
    expect(props('StalenessStateTable')).toMatchObject({
      KeySchema: [{ AttributeName: 'dedupKey', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('gives the role nothing on "*" but ListSecrets and DescribeParameters (held to the region) and PutMetricData (held to the namespace)', () => {
    const statements = roleStatements(Resources, 'StalenessRole');
    const onEverything = statements.filter((s) => s.Resource === '*');
    expect(onEverything.map((s) => s.Action).sort()).toEqual(['cloudwatch:PutMetricData', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters']);
    expect(onEverything.find((s) => s.Action === 'secretsmanager:ListSecrets')!.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } });
    expect(onEverything.find((s) => s.Action === 'ssm:DescribeParameters')!.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } });
    expect(onEverything.find((s) => s.Action === 'cloudwatch:PutMetricData')!.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Keywarden/ci/Staleness' } });
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]).sort();
    expect(actions).toEqual([
      'cloudwatch:PutMetricData',
      'dynamodb:BatchWriteItem',
      // The freshness check after rotations: Query on the audit table's bySecret index only.
      'dynamodb:Query',
      'dynamodb:Scan',
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      // On this account's secrets only: the version watch (shared/staleness/version-watch.ts).
      'secretsmanager:ListSecretVersionIds',
      'secretsmanager:ListSecrets',
      // Only to its on-failure destination, the async-failures queue (deploy/staleness.yml).
      'sqs:SendMessage',
      'ssm:DescribeParameters',
      'ssm:GetParameter',
      'ssm:ListTagsForResource',
    ]);
  });

  it('alarms on the stale and failing metrics, and on a scan that stopped', () => {
    expect(props('StaleSecretsAlarm')).toMatchObject({ Namespace: 'Keywarden/ci/Staleness', MetricName: 'StaleSecrets', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(props('RotationFailingAlarm')).toMatchObject({ Namespace: 'Keywarden/ci/Staleness', MetricName: 'RotationFailingSecrets', Threshold: 0 });
    expect(props('StalenessScanMissingAlarm')).toMatchObject({ MetricName: 'Secrets', TreatMissingData: 'breaching' });
  });

  it('exists in the local AWS as created from the template: alarms, dashboard, table TTL', async () => {
    const { MetricAlarms } = await cloudWatch().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'keywarden-ci-' }));
    expect(MetricAlarms!.map((a) => a.AlarmName)).toEqual(
      expect.arrayContaining(['keywarden-ci-stale-secrets', 'keywarden-ci-rotation-failing', 'keywarden-ci-staleness-scan-missing']),
    );
    const dashboard = await cloudWatch().send(new GetDashboardCommand({ DashboardName: 'keywarden-ci-staleness' }));
    const widgets = (JSON.parse(dashboard.DashboardBody!) as { widgets: Widget[] }).widgets;
    expect(JSON.stringify(widgets)).toContain('"region":"us-east-1"');
    expect(widgets.filter((w) => w.type === 'metric').length).toBeGreaterThanOrEqual(10);
    const ttl = await dynamoDb().send(new DescribeTimeToLiveCommand({ TableName: templateResource('StalenessStateTable') }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('puts a widget per metric for each tenant of the stalenessTenants param', () => {
    const template = packageWithParams({ stalenessTenants: 'tenant-1,tenant-2' });
    const body = (template.Resources.StalenessDashboard!.Properties!.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const widgets = (JSON.parse(body) as { widgets: Widget[] }).widgets.filter((w) => w.type === 'metric');
    for (const tenant of ['tenant-1', 'tenant-2']) {
      const names = widgets.filter((w) => w.properties.metrics!.some((m) => m[2] === 'Tenant' && m[3] === tenant)).map((w) => w.properties.metrics![0]![1]);
      expect(names.sort(), tenant).toEqual(
        ['ComplianceScore', 'DueSoonSecrets', 'OldestSecretAgeDays', 'RotationDisabledSecrets', 'RotationFailingSecrets', 'Secrets', 'StaleSecrets', 'UnusedSecrets', 'WeakValueSecrets'],
      );
    }
  }, 120_000);

  it('reads values (hygiene on by default) only of this stage\'s secrets, from a policy of its own', () => {
    const reads = roleStatements(Resources, 'StalenessRole').filter((statement) => statement.Action === 'secretsmanager:GetSecretValue');
    expect(reads).toEqual([
      {
        Sid: 'HygieneReadsThisStagesValues',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { 'Fn::Sub': 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*' },
        Condition: { StringEquals: { 'aws:ResourceTag/keywarden:stage': 'ci' } },
      },
    ]);
    expect(Resources.StalenessHygieneReadPolicy?.Properties?.Roles).toEqual([{ Ref: 'StalenessRole' }]);
  });

  it('may decrypt values for the hygiene check with the secretsKmsKeyArns keys, through Secrets Manager only; no key when hygiene is off', () => {
    expect(kmsStatements(Resources, 'StalenessRole')).toEqual([]);
    const keys = SECRETS_KMS_KEYS.join(',');
    expect(kmsStatements(packageWithParams({ secretsKmsKeyArns: keys }).Resources, 'StalenessRole')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: SECRETS_KMS_KEYS, Condition: THROUGH_SECRETS_MANAGER }),
    ]);
  }, 120_000);

  it('with stalenessHygiene=off: no secretsmanager:GetSecretValue and no kms:Decrypt for the staleness role, the function told off too', () => {
    const off = packageWithParams({ secretsKmsKeyArns: SECRETS_KMS_KEYS.join(','), stalenessHygiene: 'off' }).Resources;
    const actions = roleStatements(off, 'StalenessRole').flatMap((statement) => [statement.Action].flat() as string[]);
    expect(actions).not.toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((action) => action.startsWith('kms:') || action.startsWith('secretsmanager:'))).toEqual(['secretsmanager:ListSecrets', 'secretsmanager:ListSecretVersionIds']);
    expect(off.StalenessHygieneReadPolicy).toBeUndefined();
    const env = (off.StalenessLambdaFunction!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.KEYWARDEN_HYGIENE).toBe('off');
    // The other value readers keep their keys.
    expect(kmsStatements(off, 'RotateRole')).toHaveLength(1);
  }, 120_000);

  it('with stalenessAccounts: sts:AssumeRole on exactly the configured member roles, and the function told the list and its home account', () => {
    const role = 'arn:aws:iam::210987654321:role/keywarden-member/keywarden-ci-reader';
    const accounts = JSON.stringify([{ accountId: '210987654321', roleArn: role, regions: ['us-east-1', 'eu-west-1'], externalId: 'kw-ci-0123456789abcdef' }]);
    const withAccounts = packageWithParams({ stalenessAccounts: accounts }).Resources;
    const policy = withAccounts.StalenessAssumeMemberRolesPolicy!.Properties as { Roles: unknown[]; PolicyDocument: { Statement: unknown[] } };
    expect(policy.Roles).toEqual([{ Ref: 'StalenessRole' }]);
    expect(policy.PolicyDocument.Statement).toEqual([{ Sid: 'AssumeConfiguredMemberRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [role] }]);
    const env = (withAccounts.StalenessLambdaFunction!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.parse(env.KEYWARDEN_ACCOUNTS as string)).toEqual(JSON.parse(accounts));
    expect(env.KEYWARDEN_HOME_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    // Without the param: no AssumeRole at all.
    expect(Resources.StalenessAssumeMemberRolesPolicy).toBeUndefined();
  }, 120_000);
});
