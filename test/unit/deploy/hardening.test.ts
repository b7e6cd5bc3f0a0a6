import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// deploy/hardening.cjs on small templates: what it sets, what it leaves alone, what it refuses.
// The packaged template as a whole is checked in test/integration/template.test.ts.

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: { checkov?: { skip: Array<{ id: string; comment: string }> } }; DependsOn?: unknown };
type Template = { Resources: Record<string, Resource> };
interface Hardening {
  parseSettings(raw: unknown, region: string): { pointInTimeRecovery: boolean; messagesKmsKeyArn: string | null };
  hardenTemplate(template: Template, settings: { pointInTimeRecovery: boolean; messagesKmsKeyArn: string | null }): Template;
  messageKeyNeeds(statements: Array<Record<string, unknown>>): Record<string, string[]>;
}
const hardening = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'hardening.cjs')) as Hardening;

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DEFAULTS = { pointInTimeRecovery: true, messagesKmsKeyArn: null };
const skipIds = (resource: Resource) => (resource.Metadata?.checkov?.skip ?? []).map((skip) => skip.id);

function template(): Template {
  return {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 't' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } },
      OwnKeyQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'k', KmsMasterKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/own' } },
      AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alarmed' } },
      QuietTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'quiet' } },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'AlarmTopic' }] } },
      SenderRole: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] } }] },
      },
      ReaderRole: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: '*' }] } }] },
      },
      PublisherRole: { Type: 'AWS::IAM::Role', Properties: {} },
      PublisherPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'PublisherRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'QuietTopic' } }] } },
      },
      DeniedRole: {
        Type: 'AWS::IAM::Role',
        Properties: { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'sqs:SendMessage', Resource: '*' }] } }] },
      },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['SenderRole', 'Arn'] } }, DependsOn: ['FnLogGroup', 'SenderRole'] },
      OnlyRoleFn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] } }, DependsOn: ['ReaderRole'] },
      FnLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    },
  };
}

describe('deploy/hardening.cjs', () => {
  it('turns point-in-time recovery on for every table, or off with a checkov skip saying why', () => {
    const on = hardening.hardenTemplate(template(), DEFAULTS).Resources.Table!;
    expect(on.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(skipIds(on)).not.toContain('CKV_AWS_28');
    const off = hardening.hardenTemplate(template(), { ...DEFAULTS, pointInTimeRecovery: false }).Resources.Table!;
    expect(off.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
    expect(skipIds(off)).toContain('CKV_AWS_28');
  });

  it('without a key: SSE-SQS on queues, aws/sns on topics no service publishes to, a reasoned skip where a service does', () => {
    const { Resources } = hardening.hardenTemplate(template(), DEFAULTS);
    expect(Resources.Queue!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    expect(Resources.Queue!.Properties.KmsMasterKeyId).toBeUndefined();
    expect(skipIds(Resources.Queue!)).toEqual(['CKV_AWS_27']);
    expect(Resources.QuietTopic!.Properties.KmsMasterKeyId).toBe('alias/aws/sns');
    expect(skipIds(Resources.QuietTopic!)).toEqual([]);
    // CloudWatch cannot use aws/sns: encrypting this topic with it would silence the alarm.
    expect(Resources.AlarmTopic!.Properties.KmsMasterKeyId).toBeUndefined();
    expect(skipIds(Resources.AlarmTopic!)).toEqual(['CKV_AWS_26']);
    expect(Object.keys(Resources).filter((id) => id.endsWith('MessagesKmsPolicy'))).toEqual([]);
  });

  it('with a key: every queue and topic on it, except one that names its own key', () => {
    const { Resources } = hardening.hardenTemplate(template(), { ...DEFAULTS, messagesKmsKeyArn: KEY });
    for (const id of ['Queue', 'AlarmTopic', 'QuietTopic']) {
      expect(Resources[id]!.Properties.KmsMasterKeyId, id).toBe(KEY);
      expect(Resources[id]!.Properties.SqsManagedSseEnabled, id).toBeUndefined();
      expect(skipIds(Resources[id]!), id).toEqual([]);
    }
    expect(Resources.OwnKeyQueue!.Properties.KmsMasterKeyId).toBe('arn:aws:kms:eu-west-1:111122223333:key/own');
  });

  it('grants the key to each role by what it does with queues and topics, through that service only', () => {
    const { Resources } = hardening.hardenTemplate(template(), { ...DEFAULTS, messagesKmsKeyArn: KEY });
    const statements = (roleId: string) =>
      (Resources[`${roleId}MessagesKmsPolicy`]?.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> } | undefined)?.Statement;
    const via = (service: string) => ({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${service}.\${AWS::Region}.amazonaws.com` } } });
    expect(statements('SenderRole')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [KEY], Condition: via('sqs') })]);
    expect(statements('ReaderRole')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt'], Resource: [KEY], Condition: via('sqs') })]);
    // Found through an AWS::IAM::Policy attached to the role, not only inline policies.
    expect(statements('PublisherRole')).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [KEY], Condition: via('sns') })]);
    // A Deny on sending is no reason to grant the key.
    expect(statements('DeniedRole')).toBeUndefined();
    expect(Resources.SenderRoleMessagesKmsPolicy!.Properties.Roles).toEqual([{ Ref: 'SenderRole' }]);
  });

  it('asks for the key actions each queue or topic action needs', () => {
    expect(hardening.messageKeyNeeds([{ Action: 'sqs:SendMessageBatch' }])).toEqual({ sqs: ['kms:Decrypt', 'kms:GenerateDataKey'] });
    expect(hardening.messageKeyNeeds([{ Action: ['sqs:ReceiveMessage'] }, { Action: 'sns:Publish' }])).toEqual({
      sqs: ['kms:Decrypt'],
      sns: ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
    expect(hardening.messageKeyNeeds([{ Action: 'sqs:GetQueueAttributes' }, { Action: 'events:PutEvents' }])).toEqual({});
  });

  it('skips checks that apply to no resource of a type, each with a reason', () => {
    const { Resources } = hardening.hardenTemplate(template(), DEFAULTS);
    expect(skipIds(Resources.FnLogGroup!)).toEqual(['CKV_AWS_158']);
    expect(skipIds(Resources.Fn!)).toEqual(['CKV_AWS_173']);
    expect(skipIds(Resources.Table!)).toEqual(['CKV_AWS_119']);
    for (const resource of Object.values(Resources)) {
      for (const skip of resource.Metadata?.checkov?.skip ?? []) expect(skip.comment.length, skip.id).toBeGreaterThan(40);
    }
  });

  it('drops only the DependsOn a function\'s GetAtt of its role already implies', () => {
    const { Resources } = hardening.hardenTemplate(template(), DEFAULTS);
    expect(Resources.Fn!.DependsOn).toEqual(['FnLogGroup']);
    expect(Resources.OnlyRoleFn!.DependsOn).toBeUndefined();
  });

  it('is the same when applied twice: one skip per check', () => {
    const once = hardening.hardenTemplate(template(), DEFAULTS);
    expect(hardening.hardenTemplate(structuredClone(once), DEFAULTS)).toEqual(once);
  });

  it.each([
    ['"*"', '*'],
    ['a key wildcard', 'arn:aws:kms:eu-west-1:111122223333:key/*'],
    ['an alias, which IAM cannot match', 'arn:aws:kms:eu-west-1:111122223333:alias/messages'],
  ])('attack: a messagesKmsKeyArn of %s is refused at package time, never granted to the roles', (_what, raw) => {
    expect(() => hardening.parseSettings({ messagesKmsKeyArn: raw }, 'eu-west-1')).toThrow(/messagesKmsKeyArn: .* is not a KMS key ARN/);
  });

  it('reads its params, refusing a typo rather than deploying without backups or with a key IAM cannot grant', () => {
    expect(hardening.parseSettings({ pointInTimeRecovery: 'on', messagesKmsKeyArn: '' }, 'eu-west-1')).toEqual(DEFAULTS);
    expect(hardening.parseSettings({ pointInTimeRecovery: ' off ', messagesKmsKeyArn: ` ${KEY} ` }, 'eu-west-1')).toEqual({
      pointInTimeRecovery: false,
      messagesKmsKeyArn: KEY,
    });
    expect(() => hardening.parseSettings({ pointInTimeRecovery: 'false' }, 'eu-west-1')).toThrow('pointInTimeRecovery: "false" is not on or off');
    expect(() => hardening.parseSettings({ messagesKmsKeyArn: 'alias/aws/sqs' }, 'eu-west-1')).toThrow(/messagesKmsKeyArn: "alias\/aws\/sqs" is not a KMS key ARN/);
    expect(() => hardening.parseSettings({ messagesKmsKeyArn: KEY }, 'us-east-1')).toThrow(/messagesKmsKeyArn: .* is in eu-west-1, but this stage deploys to us-east-1/);
    const other = KEY.replace('1234abcd-12ab', 'ffffabcd-12ab');
    expect(() => hardening.parseSettings({ messagesKmsKeyArn: `${KEY},${other}` }, 'eu-west-1')).toThrow(/give one key ARN/);
  });
});
