import { describe, expect, it } from 'vitest';
import { iamStatements, kmsStatements, packageWithParams, readPackagedTemplate, SECRETS_KMS_KEYS, THROUGH_SECRETS_MANAGER, type TemplateResource } from '../support/template';

function rotateParts(template: { Resources: Record<string, TemplateResource> }) {
  const fn = template.Resources.RotateLambdaFunction!.Properties!;
  const role = template.Resources.RotateRole!.Properties!;
  const skips = (template.Resources.RotateLambdaFunction!.Metadata as { checkov: { skip: Array<{ id: string }> } }).checkov.skip.map((skip) => skip.id);
  return { fn, role, skips };
}

describe('the rotate function in the packaged template', () => {
  it('runs outside a VPC unless subnets are given, with database timeouts and the RDS CAs available', () => {
    const { fn, role, skips } = rotateParts(readPackagedTemplate());
    // Decided at package time (deploy/rotate-vpc.cjs): no condition that is always the same.
    expect(fn.VpcConfig).toBeUndefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(skips).toContain('CKV_AWS_117');
    expect(Number(fn.Timeout)).toBeGreaterThanOrEqual(60);
    expect((fn.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '5000',
      KEYWARDEN_DB_STATEMENT_TIMEOUT_MS: '10000',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
  });

  it('may read as masters only the secrets an administrator tagged keywarden:master=<stage>', () => {
    const statements = iamStatements(readPackagedTemplate().Resources).filter((s) => s.where === 'RotateRole/rotate');
    const master = statements.find((s) => s.statement.Sid === 'ReadMasterSecrets')!.statement;
    expect(master.Action).toBe('secretsmanager:GetSecretValue');
    expect(master.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/keywarden:master': 'ci' } });
  });

  it('may only read the bindings table (GetItem) and put findings on the keywarden bus, and is told the table', () => {
    const template = readPackagedTemplate();
    const statements = iamStatements(template.Resources).filter((s) => s.where === 'RotateRole/rotate').map((s) => s.statement);
    const dynamo = statements.filter((s) => ([s.Action].flat() as string[]).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      expect.objectContaining({ Sid: 'ReadBindings', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['BindingsTable', 'Arn'] } }),
      expect.objectContaining({ Sid: 'ReadTheRotationLedger', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['RotationLedgerTable', 'Arn'] } }),
      expect.objectContaining({
        Sid: 'RecordPendingValues',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': ['RotationLedgerTable', 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['pending#*'] } },
      }),
      // The consumer check before an alternating-users rotation: Query on the audit table's bySecret index only.
      { Sid: 'QueryAuditTrailBySecret', Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['AuditTable', 'Arn'] }, 'index', 'bySecret']] } },
    ]);
    const events = statements.filter((s) => ([s.Action].flat() as string[]).some((a) => a.startsWith('events:')));
    expect(events).toEqual([expect.objectContaining({ Sid: 'PublishRefusals', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['FindingsBus', 'Arn'] } })]);
    expect(template.Resources.BindingsTable).toMatchObject({
      Type: 'AWS::DynamoDB::Table',
      Properties: { TableName: 'keywarden-ci-bindings', KeySchema: [{ AttributeName: 'secretArn', KeyType: 'HASH' }] },
    });
    const fn = rotateParts(template as Parameters<typeof rotateParts>[0]).fn;
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables.KEYWARDEN_BINDINGS_TABLE).toEqual({ Ref: 'BindingsTable' });
  });

  it('may use the secretsKmsKeyArns keys to decrypt and encrypt values, through Secrets Manager only, and no key without them', () => {
    expect(kmsStatements(readPackagedTemplate().Resources, 'RotateRole')).toEqual([]);
    const { Resources } = packageWithParams({ secretsKmsKeyArns: SECRETS_KMS_KEYS.join(',') });
    expect(kmsStatements(Resources, 'RotateRole')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: SECRETS_KMS_KEYS, Condition: THROUGH_SECRETS_MANAGER }),
    ]);
  }, 120_000);

  it('attaches subnets, security groups and the VPC access policy when the parameters are set', () => {
    const template = packageWithParams({
      rotateSubnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9',
      rotateSecurityGroupIds: 'sg-0123456789abcdef0',
      rotateTimeoutSeconds: '120',
    });
    const { fn, role, skips } = rotateParts(template);
    expect(fn.VpcConfig).toEqual({ SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9'], SecurityGroupIds: ['sg-0123456789abcdef0'] });
    expect(role.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole' }]);
    // In a VPC, checkov's VPC check passes: the skip and its reason are gone.
    expect(skips).not.toContain('CKV_AWS_117');
    expect(Number(fn.Timeout)).toBe(120);
  });
});
