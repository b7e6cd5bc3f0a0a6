// SSM Parameter Store: the permissions for SecureString parameters, built when serverless resolves
// serverless.yml from two params:
//   ssmParameterPrefix  the path keywarden looks after ('/multitenant-ai-poc/'; 'none' turns it off),
//                       the same value the staleness function reads as KEYWARDEN_SSM_PATH_PREFIXES;
//   ssmKmsKeyArns       customer-managed keys that encrypt those parameters (comma-separated key
//                       ARNs; empty: the AWS-managed aws/ssm key, whose key policy already admits
//                       callers through SSM, so no kms statement is needed).
// The staleness role gets listing, tags and (for the opt-in hygiene check) value reads; parameter
// rotation runs in the `keywarden` CLI with the caller's own credentials, so the writes are in a
// managed policy, keywarden-<stage>-parameter-rotator, to attach to whoever runs it. No wildcard
// action; ssm:DescribeParameters is the one action IAM cannot scope to a resource.
/* global module, require */
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, as serverless loads it; one parser for key ARNs
const { parseKeyArns } = require('./secrets-kms.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- one source for the hygiene mode
const { readsValues } = require('./staleness-hygiene.cjs');

const PREFIX = /^\/([A-Za-z0-9._-]+\/)+$/;
/** DescribeParameters cannot be scoped to a resource: it is held to this stage's region instead. */
const THIS_REGION = { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } };

/** Checks the ssmParameterPrefix param as shared/ssm/scope.ts checks the variable; undefined for 'none'. */
function parameterPrefix(raw) {
  const prefix = String(raw ?? '/multitenant-ai-poc/').trim();
  if (prefix === 'none') return undefined;
  if (!PREFIX.test(prefix)) throw new Error(`ssmParameterPrefix: "${prefix}" is not a path like /app/ (starting and ending with /)`);
  return prefix;
}

/** The ARN pattern of every parameter under `prefix` (an ARN drops the name's leading slash). */
function parameterArns(prefix) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${prefix.slice(1)}*` };
}

/** kms:<actions> on the listed keys, only through SSM in this region; none for the AWS-managed key. */
function kmsStatement(sid, keyArns, actions) {
  if (keyArns.length === 0) return [];
  return [{ Sid: sid, Effect: 'Allow', Action: actions, Resource: keyArns, Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } } }];
}

/** The staleness role's parameter policy and the rotator's managed policy, or nothing when off. */
function parameterResources(settings) {
  const prefix = parameterPrefix(settings.prefix);
  if (prefix === undefined) return {};
  const arns = parameterArns(prefix);
  const stageTag = { StringEquals: { 'aws:ResourceTag/keywarden:stage': settings.stage } };
  const hygiene = readsValues(settings.hygiene);
  return {
    Resources: {
      StalenessParametersPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'ssm-parameters',
          Roles: [{ Ref: 'StalenessRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'ListParameters', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*', Condition: THIS_REGION },
              { Sid: 'ReadParameterTags', Effect: 'Allow', Action: 'ssm:ListTagsForResource', Resource: arns },
              ...(hygiene ? [{ Sid: 'HygieneReadsThisStagesParameters', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arns, Condition: stageTag }] : []),
              ...(hygiene ? kmsStatement('HygieneDecryptsThroughSsm', settings.keyArns, ['kms:Decrypt']) : []),
            ],
          },
        },
      },
      ParameterRotatorPolicy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: { 'Fn::Sub': `keywarden-${settings.stage}-parameter-rotator-\${AWS::Region}` },
          Description: `keywarden rotate / emergency on SecureString parameters under ${prefix} tagged keywarden:stage=${settings.stage}`,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'FindParameter', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*', Condition: THIS_REGION },
              { Sid: 'ReadParameterMetadata', Effect: 'Allow', Action: ['ssm:ListTagsForResource', 'ssm:GetParameterHistory'], Resource: arns },
              {
                Sid: 'RotateThisStagesParameters',
                Effect: 'Allow',
                Action: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion'],
                Resource: arns,
                Condition: stageTag,
              },
              ...kmsStatement('EncryptAndDecryptThroughSsm', settings.keyArns, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
              {
                // The emergency's request claims, the parameter's lock and its journal; never a
                // secret's lock (those keys start lock#arn:), which the emergency function holds.
                Sid: 'ParameterEmergencyLedger',
                Effect: 'Allow',
                Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
                Resource: { 'Fn::GetAtt': ['EmergencyTable', 'Arn'] },
                Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['request#*', 'lock#parameter:*', 'parameter#*'] } },
              },
            ],
          },
        },
      },
    },
  };
}

module.exports = {
  parameterPrefix,
  parameterResources,
  /** Serverless calls this for ${file(deploy/ssm-parameters.cjs):resources}. */
  resources: async ({ resolveVariable }) =>
    parameterResources({
      prefix: await resolveVariable("param:ssmParameterPrefix, '/multitenant-ai-poc/'"),
      keyArns: parseKeyArns(await resolveVariable("param:ssmKmsKeyArns, ''"), await resolveVariable('self:provider.region')),
      hygiene: await resolveVariable("param:stalenessHygiene, 'tagged'"),
      stage: await resolveVariable('sls:stage'),
    }),
};
