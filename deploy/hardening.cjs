// A serverless plugin that applies the stack-wide hardening to the compiled template, after
// every deploy/ file and the framework's own resources are merged into it, so a table, queue or
// topic added later gets the same settings without repeating them:
//   - point-in-time recovery on every DynamoDB table (param pointInTimeRecovery, 'on' | 'off');
//   - encryption at rest on every SQS queue and SNS topic: the messagesKmsKeyArn key when given,
//     otherwise SSE-SQS for queues and aws/sns for topics no AWS service publishes to;
//   - with messagesKmsKeyArn, each role that sends to or reads a queue, or publishes to a topic,
//     gets kms:GenerateDataKey/kms:Decrypt on that key only, through SQS or SNS only;
//   - checkov skips, with their reasons, for checks that do not apply to a whole resource type
//     (TYPE_SKIPS) or to the default encryption choices above;
//   - the framework's DependsOn a function's role, which its GetAtt of that role already implies.
// Whatever a resource sets itself (its own KmsMasterKeyId, say) is left as it is.
/* global module, require */
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, as serverless loads it; one parser for key ARNs
const { parseKeyArns } = require('./secrets-kms.cjs');

/** Checks that apply to no resource of a type in this stack, and why (README, "Deploying"). */
const TYPE_SKIPS = {
  'AWS::Logs::LogGroup': [
    {
      id: 'CKV_AWS_158',
      comment: 'CloudWatch Logs encrypts every log group at rest with its own key; keywarden logs no secret value (shared/redact.ts), so a customer key adds a key policy, not protection',
    },
  ],
  'AWS::Lambda::Function': [
    {
      id: 'CKV_AWS_173',
      comment: 'the environment holds names and settings only (tables, queues, a secret name), never a secret; Lambda encrypts it at rest with its AWS-managed key',
    },
  ],
  'AWS::DynamoDB::Table': [
    {
      id: 'CKV_AWS_119',
      comment: 'DynamoDB encrypts every table at rest (its AWS-owned key, or aws/dynamodb where SSESpecification asks); no table holds a secret value, only digests and metadata',
    },
  ],
};

const SSE_SQS_SKIP = {
  id: 'CKV_AWS_27',
  comment: 'encrypted with SSE-SQS (SqsManagedSseEnabled), which checkov does not read; aws/sqs would stop EventBridge delivering, and messagesKmsKeyArn sets a customer key',
};
const SERVICE_TOPIC_SKIP = {
  id: 'CKV_AWS_26',
  comment: 'CloudWatch alarms or EventBridge publish here and cannot use the AWS-managed aws/sns key; set messagesKmsKeyArn to a customer key that allows them',
};
const PITR_OFF_SKIP = { id: 'CKV_AWS_28', comment: 'pointInTimeRecovery is off for this stage: a throwaway stage whose tables need no backups' };

/** The types whose publishing to a topic needs a key policy of their own (AWS-managed keys have none for them). */
const SERVICE_PUBLISHERS = ['AWS::CloudWatch::Alarm', 'AWS::Events::Rule'];

/** Checks the hardening settings: a typo must fail the package, not deploy without backups or keys. */
function parseSettings(raw, region) {
  const pitr = String(raw?.pointInTimeRecovery ?? 'on').trim();
  if (pitr !== 'on' && pitr !== 'off') throw new Error(`pointInTimeRecovery: "${pitr}" is not on or off`);
  const keys = parseKeyArns(raw?.messagesKmsKeyArn, region, 'messagesKmsKeyArn');
  if (keys.length > 1) throw new Error('messagesKmsKeyArn: give one key ARN; every queue and topic uses the same key');
  return { pointInTimeRecovery: pitr === 'on', messagesKmsKeyArn: keys[0] ?? null };
}

function ofType(resources, type) {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** Adds a checkov skip to a resource's Metadata, once per check. */
function addSkip(resource, skip) {
  resource.Metadata ??= {};
  resource.Metadata.checkov ??= {};
  resource.Metadata.checkov.skip ??= [];
  if (!resource.Metadata.checkov.skip.some((s) => s.id === skip.id)) resource.Metadata.checkov.skip.push({ ...skip });
}

function pointInTimeRecovery(resources, enabled) {
  for (const [, table] of ofType(resources, 'AWS::DynamoDB::Table')) {
    table.Properties ??= {};
    table.Properties.PointInTimeRecoverySpecification = { PointInTimeRecoveryEnabled: enabled };
    if (!enabled) addSkip(table, PITR_OFF_SKIP);
  }
}

function refersTo(value, logicalId) {
  const text = JSON.stringify(value);
  return text.includes(`{"Ref":"${logicalId}"}`) || text.includes(`{"Fn::GetAtt":["${logicalId}",`);
}

/** Topics a CloudWatch alarm or an EventBridge rule publishes to. */
function servicePublishedTopics(resources) {
  const publishers = Object.values(resources).filter((resource) => SERVICE_PUBLISHERS.includes(resource.Type));
  return new Set(
    ofType(resources, 'AWS::SNS::Topic')
      .filter(([id]) => publishers.some((publisher) => refersTo(publisher.Properties, id)))
      .map(([id]) => id),
  );
}

function encryptQueues(resources, keyArn) {
  for (const [, queue] of ofType(resources, 'AWS::SQS::Queue')) {
    const props = (queue.Properties ??= {});
    if (props.KmsMasterKeyId) continue;
    if (keyArn) {
      delete props.SqsManagedSseEnabled;
      props.KmsMasterKeyId = keyArn;
    } else {
      props.SqsManagedSseEnabled = true;
      addSkip(queue, SSE_SQS_SKIP);
    }
  }
}

function encryptTopics(resources, keyArn) {
  const servicePublished = servicePublishedTopics(resources);
  for (const [id, topic] of ofType(resources, 'AWS::SNS::Topic')) {
    const props = (topic.Properties ??= {});
    if (props.KmsMasterKeyId) continue;
    if (keyArn) props.KmsMasterKeyId = keyArn;
    else if (servicePublished.has(id)) addSkip(topic, SERVICE_TOPIC_SKIP);
    else props.KmsMasterKeyId = 'alias/aws/sns';
  }
}

/** Every Allow statement of a role: its inline policies and the policy resources of this template attached to it. */
function roleStatements(resources, roleId) {
  const documents = (resources[roleId].Properties?.Policies ?? []).map((policy) => policy.PolicyDocument);
  const attachable = [...ofType(resources, 'AWS::IAM::Policy'), ...ofType(resources, 'AWS::IAM::ManagedPolicy')];
  for (const [, policy] of attachable) {
    if (JSON.stringify(policy.Properties?.Roles ?? []).includes(`{"Ref":"${roleId}"}`)) documents.push(policy.Properties.PolicyDocument);
  }
  return documents.flatMap((document) => [document?.Statement ?? []].flat()).filter((statement) => statement.Effect === 'Allow');
}

/** The KMS actions a role needs on the message key, by service, from what it does with queues and topics. */
function messageKeyNeeds(statements) {
  const actions = new Set(statements.flatMap((statement) => [statement.Action].flat()));
  const needs = {};
  // Sending encrypts a new data key (and SQS/SNS check it by decrypting); receiving decrypts it.
  if (actions.has('sqs:SendMessage') || actions.has('sqs:SendMessageBatch')) needs.sqs = ['kms:Decrypt', 'kms:GenerateDataKey'];
  else if (actions.has('sqs:ReceiveMessage')) needs.sqs = ['kms:Decrypt'];
  if (actions.has('sns:Publish')) needs.sns = ['kms:Decrypt', 'kms:GenerateDataKey'];
  return needs;
}

/** One policy per role that uses a queue or a topic: the message key, through that service only. */
function grantMessageKey(resources, keyArn) {
  for (const [roleId] of ofType(resources, 'AWS::IAM::Role')) {
    const needs = messageKeyNeeds(roleStatements(resources, roleId));
    const services = Object.keys(needs).sort();
    if (services.length === 0) continue;
    resources[`${roleId}MessagesKmsPolicy`] = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'messages-kms',
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: services.map((service) => ({
            Sid: `MessagesKeyThrough${service.toUpperCase()}Only`,
            Effect: 'Allow',
            Action: needs[service],
            Resource: [keyArn],
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${service}.\${AWS::Region}.amazonaws.com` } } },
          })),
        },
      },
    };
  }
}

function typeSkips(resources) {
  for (const resource of Object.values(resources)) {
    for (const skip of TYPE_SKIPS[resource.Type] ?? []) addSkip(resource, skip);
  }
}

/** The framework writes DependsOn: [<role>] on each function whose Role is already a GetAtt of it (cfn-lint W3005). */
function dropImpliedRoleDependencies(resources) {
  for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) {
    const roleId = fn.Properties?.Role?.['Fn::GetAtt']?.[0];
    if (!roleId || !fn.DependsOn) continue;
    const rest = [fn.DependsOn].flat().filter((id) => id !== roleId);
    if (rest.length > 0) fn.DependsOn = rest;
    else delete fn.DependsOn;
  }
}

/** Applies every setting above to a compiled template (in place) and returns it. */
function hardenTemplate(template, settings) {
  const resources = template.Resources;
  pointInTimeRecovery(resources, settings.pointInTimeRecovery);
  encryptQueues(resources, settings.messagesKmsKeyArn);
  encryptTopics(resources, settings.messagesKmsKeyArn);
  if (settings.messagesKmsKeyArn) grantMessageKey(resources, settings.messagesKmsKeyArn);
  typeSkips(resources);
  dropImpliedRoleDependencies(resources);
  return template;
}

class HardeningPlugin {
  constructor(serverless) {
    this.hooks = {
      // After the deploy/ resources are merged into the framework's, before the template is written.
      'before:aws:package:finalize:saveServiceState': () => {
        const service = serverless.service;
        const settings = parseSettings(service.custom?.hardening, service.provider.region);
        hardenTemplate(service.provider.compiledCloudFormationTemplate, settings);
      },
    };
  }
}

module.exports = HardeningPlugin;
module.exports.parseSettings = parseSettings;
module.exports.hardenTemplate = hardenTemplate;
module.exports.messageKeyNeeds = messageKeyNeeds;
module.exports.TYPE_SKIPS = TYPE_SKIPS;
