import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectLeastPrivilege,
  packageWithParams,
  readPackagedTemplate,
  roleStatements,
  SECRETS_KMS_KEYS,
  THROUGH_SECRETS_MANAGER,
  throughService,
  type TemplateResource,
} from '../support/template';

// What the scanners a security team runs look for (issue 19; `npm run scan` runs them), checked
// on every table, queue, topic and function of the packaged template, whichever deploy/ file
// declares it: backups, encryption at rest, the deployment bucket, failed asynchronous
// invocations, concurrency, and the reasons given for every check that is skipped.

type Resources = Record<string, TemplateResource>;
const { Resources } = readPackagedTemplate();
const MESSAGES_KEY = 'arn:aws:kms:us-east-1:111122223333:key/0badc0de-12ab-34cd-56ef-1234567890ab';

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (resource: TemplateResource) => resource.Properties ?? {};
const skips = (resource: TemplateResource) => ((resource.Metadata as { checkov?: { skip?: Array<{ id: string; comment: string }> } })?.checkov?.skip ?? []);
const skipIds = (resource: TemplateResource) => skips(resource).map((skip) => skip.id);
function refersTo(value: unknown, id: string): boolean {
  const text = JSON.stringify(value ?? null);
  return text.includes(`{"Ref":"${id}"}`) || text.includes(`{"Fn::GetAtt":["${id}",`);
}
const actionsOf = (statements: Array<Record<string, unknown>>) => statements.flatMap((s) => [s.Action].flat() as string[]);

/** Topics a CloudWatch alarm or an EventBridge rule publishes to: these services cannot use the AWS-managed aws/sns key. */
function servicePublished(resources: Resources, topicId: string): boolean {
  return [...ofType(resources, 'AWS::CloudWatch::Alarm'), ...ofType(resources, 'AWS::Events::Rule')].some(([, r]) => refersTo(r.Properties, topicId));
}

/** Functions something invokes asynchronously: an EventBridge rule (a schedule), or an operator's CLI (emergency, with --invocation-type Event). */
function asyncInvoked(resources: Resources): string[] {
  const rules = ofType(resources, 'AWS::Events::Rule').map(([, r]) => r.Properties?.Targets);
  return ofType(resources, 'AWS::Lambda::Function')
    .map(([id]) => id)
    .filter((id) => rules.some((targets) => refersTo(targets, id)) || id === 'EmergencyLambdaFunction');
}

describe('the packaged template, as the scanners see it', () => {
  it('has point-in-time recovery on every DynamoDB table, the audit trail, emergency ledger and detector state among them', () => {
    const tables = ofType(Resources, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id)).toEqual(expect.arrayContaining(['AuditTable', 'EmergencyTable', 'AuditStateTable', 'BindingsTable', 'RotationLedgerTable']));
    for (const [id, table] of tables) {
      expect(props(table).PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(skipIds(table), id).not.toContain('CKV_AWS_28');
    }
  });

  it('encrypts every SQS queue at rest: SSE-SQS, which EventBridge can deliver to, when no key is given', () => {
    const queues = ofType(Resources, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id, queue] of queues) {
      expect(props(queue).SqsManagedSseEnabled, id).toBe(true);
      expect(props(queue).KmsMasterKeyId, id).toBeUndefined();
    }
  });

  it('encrypts every SNS topic with aws/sns, except those CloudWatch or EventBridge publish to, which say why in a checkov skip', () => {
    const topics = ofType(Resources, 'AWS::SNS::Topic');
    expect(topics.length).toBeGreaterThan(0);
    for (const [id, topic] of topics) {
      if (servicePublished(Resources, id)) {
        // aws/sns here would make every alarm action fail: its key policy does not let CloudWatch in.
        expect(props(topic).KmsMasterKeyId, id).toBeUndefined();
        expect(skipIds(topic), id).toContain('CKV_AWS_26');
      } else {
        expect(props(topic).KmsMasterKeyId, id).toBe('alias/aws/sns');
      }
    }
  });

  it('locks the deployment bucket: no public access, encrypted, versioned, TLS only', () => {
    const bucket = props(Resources.ServerlessDeploymentBucket!);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    const policies = ofType(Resources, 'AWS::S3::BucketPolicy').filter(([, p]) => refersTo(props(p).Bucket, 'ServerlessDeploymentBucket'));
    expect(policies).toHaveLength(1);
    const statements = (props(policies[0]![1]).PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    const tlsOnly = statements.find((s) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': false } }));
    expect(tlsOnly).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*' });
    // Both the bucket and its objects.
    expect(JSON.stringify(tlsOnly!.Resource)).toContain('"/*"');
    expect([tlsOnly!.Resource].flat()).toHaveLength(2);
  });

  it('sends every failed asynchronous invocation to a queue the function may write to, and alarms on it', () => {
    const invoked = asyncInvoked(Resources);
    expect(invoked).toEqual(expect.arrayContaining(['StalenessLambdaFunction', 'EmergencyLambdaFunction']));
    for (const fnId of invoked) {
      const config = ofType(Resources, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => refersTo(props(c).FunctionName, fnId));
      expect(config, `${fnId} has no EventInvokeConfig`).toBeDefined();
      const destination = (props(config![1]).DestinationConfig as { OnFailure?: { Destination?: { 'Fn::GetAtt'?: [string, string] } } })?.OnFailure?.Destination;
      const queueId = destination?.['Fn::GetAtt']?.[0];
      expect(Resources[queueId ?? '']?.Type, `${fnId}'s on-failure destination is not a queue of this stack`).toBe('AWS::SQS::Queue');
      const roleId = (props(Resources[fnId]!).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const sends = roleStatements(Resources, roleId).filter((s) => s.Effect === 'Allow' && actionsOf([s]).includes('sqs:SendMessage') && refersTo(s.Resource, queueId!));
      expect(sends, `${roleId} may not send to ${queueId}: Lambda sends the failure with the function's role`).toHaveLength(1);
      expect(ofType(Resources, 'AWS::CloudWatch::Alarm').some(([, a]) => refersTo(props(a).Dimensions, queueId!)), `nothing alarms on ${queueId}`).toBe(true);
    }
    // An emergency is not retried behind its operator's back.
    const emergency = ofType(Resources, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => refersTo(props(c).FunctionName, 'EmergencyLambdaFunction'))!;
    expect(props(emergency[1]).MaximumRetryAttempts).toBe(0);
  });

  it('reserves concurrency where a downstream limit needs it, at least what the event source may run', () => {
    expect(props(Resources.StalenessLambdaFunction!).ReservedConcurrentExecutions).toBe(1);
    for (const [, mapping] of ofType(Resources, 'AWS::Lambda::EventSourceMapping')) {
      const maximum = (props(mapping).ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency;
      if (maximum === undefined) continue;
      const fnId = (props(mapping).FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      // Fewer reserved than the event source runs would throttle its own batches.
      expect(Number(props(Resources[fnId]!).ReservedConcurrentExecutions), fnId).toBeGreaterThanOrEqual(maximum);
    }
    expect(props(Resources.AlertLambdaFunction!).ReservedConcurrentExecutions).toBe(2);
    for (const [id, fn] of ofType(Resources, 'AWS::Lambda::Function')) {
      expect(props(fn).ReservedConcurrentExecutions !== undefined || skipIds(fn).includes('CKV_AWS_115'), `${id}: no reserved concurrency and no reason`).toBe(true);
    }
  });

  it('gives every skipped check an id and a reason a reviewer can judge', () => {
    const all = Object.entries(Resources).flatMap(([id, r]) => skips(r).map((skip) => ({ id, skip })));
    expect(all.length).toBeGreaterThan(0);
    for (const { id, skip } of all) {
      expect(skip.id, id).toMatch(/^CKV_AWS_\d+$/);
      expect(skip.comment.length, `${id} ${skip.id}`).toBeGreaterThan(40);
    }
  });

  it('skips the VPC check only for functions outside a VPC, and only the rotate function may join one', () => {
    for (const [id, fn] of ofType(Resources, 'AWS::Lambda::Function')) {
      expect(props(fn).VpcConfig, id).toBeUndefined();
      expect(skipIds(fn), id).toContain('CKV_AWS_117');
    }
  });

  it('has no DependsOn that a GetAtt already implies, and no condition that always gives the same answer (cfn-lint W3005, W8003)', () => {
    for (const [id, fn] of ofType(Resources, 'AWS::Lambda::Function')) {
      const roleId = (props(fn).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect([fn.DependsOn ?? []].flat(), id).not.toContain(roleId);
    }
    expect((readPackagedTemplate() as { Conditions?: unknown }).Conditions).toBeUndefined();
  });
});

describe('the packaged template with messagesKmsKeyArn, secretsKmsKeyArns and pointInTimeRecovery=off', () => {
  let withKey: Resources;
  beforeAll(() => {
    withKey = packageWithParams({ messagesKmsKeyArn: MESSAGES_KEY, secretsKmsKeyArns: SECRETS_KMS_KEYS.join(','), pointInTimeRecovery: 'off' }).Resources;
  }, 120_000);

  it('turns point-in-time recovery off on every table, each with the reason as a checkov skip', () => {
    for (const [id, table] of ofType(withKey, 'AWS::DynamoDB::Table')) {
      expect(props(table).PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: false });
      expect(skipIds(table), id).toContain('CKV_AWS_28');
    }
  });

  it('encrypts every queue and topic with the key, and skips no encryption check', () => {
    const encrypted = [...ofType(withKey, 'AWS::SQS::Queue'), ...ofType(withKey, 'AWS::SNS::Topic')];
    expect(encrypted.length).toBeGreaterThan(0);
    for (const [id, resource] of encrypted) {
      expect(props(resource).KmsMasterKeyId, id).toBe(MESSAGES_KEY);
      expect(props(resource).SqsManagedSseEnabled, id).toBeUndefined();
      expect(skipIds(resource), id).not.toContain('CKV_AWS_26');
      expect(skipIds(resource), id).not.toContain('CKV_AWS_27');
    }
  });

  it('still grants KMS only on the listed keys: secrets keys through Secrets Manager, the message key through SQS or SNS', () => {
    expectLeastPrivilege(withKey, { secrets: SECRETS_KMS_KEYS, messages: MESSAGES_KEY });
  });

  it('gives the message key to exactly the roles that send, receive or publish, with only the actions that needs', () => {
    const granted: string[] = [];
    for (const [roleId] of ofType(withKey, 'AWS::IAM::Role')) {
      const actions = actionsOf(roleStatements(withKey, roleId).filter((s) => s.Effect === 'Allow'));
      const expected: Array<Record<string, unknown>> = [];
      if (actions.includes('sns:Publish')) expected.push({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [MESSAGES_KEY], Condition: throughService('sns') });
      const sends = actions.some((a) => a === 'sqs:SendMessage' || a === 'sqs:SendMessageBatch');
      if (sends || actions.includes('sqs:ReceiveMessage')) {
        expected.push({ Action: sends ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'], Resource: [MESSAGES_KEY], Condition: throughService('sqs') });
      }
      const messageGrants = roleStatements(withKey, roleId)
        .filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')) && JSON.stringify(s.Condition) !== JSON.stringify(THROUGH_SECRETS_MANAGER))
        .map(({ Action, Resource, Condition }) => ({ Action, Resource, Condition }));
      expect(messageGrants, roleId).toEqual(expected);
      if (expected.length > 0) granted.push(roleId);
    }
    // Alert, audit and refresh read their queues (alert and audit dead-letter); staleness and emergency send failures; alert publishes.
    expect(granted.sort()).toEqual(['AlertRole', 'AuditRole', 'EmergencyRole', 'RefreshRole', 'StalenessRole']);
  });
});
