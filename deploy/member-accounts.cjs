// The central side of many accounts (README "Many accounts"), built when serverless resolves
// serverless.yml from three params; each empty (the default) adds nothing at all:
//   rotationAccountRoles   JSON {"<account id>": "<role ARN in that account>"}: the rotate role may
//                          assume exactly these roles, and Secrets Manager in those accounts may
//                          invoke the rotate function. Each role must be in its own account.
//   auditMemberAccounts    comma-separated account ids whose Secrets Manager and Parameter Store
//                          events the intake bus accepts (deploy/member-account-audit.yml sends them);
//   auditOrganizationId    or an organization id (o-...): every account of that organization may send.
// The intake bus `keywarden-<stage>-audit-intake` is a bus of its own, so the default bus's policy
// is never widened; its rule sends to the same audit queue, where the audit function still refuses a
// record of an account it was not told about (KEYWARDEN_AUDIT_MEMBER_ACCOUNTS).
/* global module */
'use strict';

const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}$/;

/** The rotationAccountRoles param, checked: account → role ARN in that same account. */
function parseRotationAccountRoles(raw) {
  const text = String(raw ?? '').trim();
  if (text === '') return {};
  let roles;
  try {
    roles = JSON.parse(text);
  } catch {
    throw new Error('rotationAccountRoles: not JSON; expected {"<account id>": "<role ARN>"}');
  }
  if (!roles || typeof roles !== 'object' || Array.isArray(roles)) throw new Error('rotationAccountRoles: not a JSON object of account id to role ARN');
  for (const [account, role] of Object.entries(roles)) {
    const match = ROLE_ARN.exec(String(role));
    if (!ACCOUNT.test(account) || !match) throw new Error(`rotationAccountRoles: "${account}" must be a 12-digit account id naming an IAM role ARN`);
    if (match[1] !== account) throw new Error(`rotationAccountRoles: the role for account ${account} is in account ${match[1]}; a role is only ever assumed in the secret's own account`);
  }
  return roles;
}

/** An IAM path (`/keywarden-rotator/`): no wildcard, which would widen the ARNs below. */
const IAM_PATH = /^\/(?:[\w+=,.@-]+\/)*$/;

/**
 * The roles the iam-access-key strategy may assume (deploy/iam-access-key.yml): those under
 * `path` in this stage's own account and in each account of rotationAccountRoles, never in an
 * account nobody configured. The binding names the role; IAM bounds which accounts it may be in.
 */
function iamKeyRotatorRoleArns(roles, path) {
  const rolePath = String(path ?? '').trim();
  if (!IAM_PATH.test(rolePath)) throw new Error(`iamKeyRolePath: "${rolePath}" is not an IAM path such as /keywarden-rotator/`);
  return [
    { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${rolePath}*` },
    ...Object.keys(roles)
      .sort()
      .map((account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role${rolePath}*` })),
  ];
}

/** The auditMemberAccounts param: account ids, duplicates dropped. */
function parseMemberAccounts(raw) {
  const ids = [...new Set(String(raw ?? '').split(',').map((id) => id.trim()).filter(Boolean))];
  for (const id of ids) if (!ACCOUNT.test(id)) throw new Error(`auditMemberAccounts: "${id}" is not a 12-digit account id`);
  return ids;
}

/** The audit rule's event pattern, shared with deploy/audit.yml's AuditRule and the member template. */
const AUDIT_PATTERN = {
  $or: [
    { source: ['aws.secretsmanager'], 'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'] },
    {
      source: ['aws.ssm'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ssm.amazonaws.com'],
        eventName: ['GetParameter', 'GetParameters', 'GetParametersByPath', 'GetParameterHistory', 'DescribeParameters', 'PutParameter', 'AddTagsToResource', 'RemoveTagsFromResource', 'LabelParameterVersion', 'UnlabelParameterVersion', 'DeleteParameter', 'DeleteParameters'],
      },
    },
  ],
};

function rotationResources(roles) {
  const arns = Object.values(roles);
  if (arns.length === 0) return {};
  const Resources = {
    RotateMemberAccountsPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'rotate-member-accounts',
        Roles: [{ Ref: 'RotateRole' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: 'AssumeConfiguredMemberRotationRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arns }] },
      },
    },
  };
  for (const account of Object.keys(roles)) {
    Resources[`RotateInvokedFromAccount${account}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] }, Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com', SourceAccount: account },
    };
  }
  return Resources;
}

function auditIntakeResources(members, organizationId, stage) {
  if (members.length === 0 && !organizationId) return {};
  const principal = organizationId ? { Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } } } : { Principal: { AWS: members.map((id) => `arn:aws:iam::${id}:root`) } };
  return {
    AuditIntakeBus: { Type: 'AWS::Events::EventBus', Properties: { Name: `keywarden-${stage}-audit-intake` } },
    AuditIntakeBusPolicy: {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        EventBusName: { Ref: 'AuditIntakeBus' },
        StatementId: 'MemberAccountsSendAuditEvents',
        Statement: { Sid: 'MemberAccountsSendAuditEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['AuditIntakeBus', 'Arn'] }, ...principal },
      },
    },
    AuditIntakeRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: 'Secrets Manager and Parameter Store events forwarded by member accounts, to the keywarden audit queue',
        EventBusName: { Ref: 'AuditIntakeBus' },
        EventPattern: AUDIT_PATTERN,
        Targets: [
          {
            Id: 'audit-queue',
            Arn: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AuditDeadLetterQueue', 'Arn'] } },
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          },
        ],
      },
    },
  };
}

async function params(resolveVariable) {
  return {
    roles: parseRotationAccountRoles(await resolveVariable("param:rotationAccountRoles, ''")),
    members: parseMemberAccounts(await resolveVariable("param:auditMemberAccounts, ''")),
    organizationId: await organization(resolveVariable),
    stage: await resolveVariable('sls:stage'),
  };
}

async function organization(resolveVariable) {
  const id = String((await resolveVariable("param:auditOrganizationId, ''")) ?? '').trim();
  if (id !== '' && !ORGANIZATION.test(id)) throw new Error(`auditOrganizationId: "${id}" is not an organization id (o-...)`);
  return id;
}

module.exports = {
  parseRotationAccountRoles,
  parseMemberAccounts,
  iamKeyRotatorRoleArns,
  rotationResources,
  auditIntakeResources,
  AUDIT_PATTERN,
  /** ${file(deploy/member-accounts.cjs):resources} in serverless.yml. */
  resources: async ({ resolveVariable }) => {
    const { roles, members, organizationId, stage } = await params(resolveVariable);
    return { Resources: { ...rotationResources(roles), ...auditIntakeResources(members, organizationId, stage) } };
  },
  /** The rules allowed to send to the audit queue: deploy/audit.yml's AuditQueuePolicy. */
  auditRuleArns: async ({ resolveVariable }) => {
    const { members, organizationId } = await params(resolveVariable);
    const rules = [{ 'Fn::GetAtt': ['AuditRule', 'Arn'] }];
    if (members.length > 0 || organizationId) rules.push({ 'Fn::GetAtt': ['AuditIntakeRule', 'Arn'] });
    return rules;
  },
  /**
   * KEYWARDEN_AUDIT_MEMBER_ACCOUNTS of the audit function: the listed accounts, or `*` with an
   * organization (the intake bus's aws:PrincipalOrgID condition is then what admits an account).
   */
  auditMemberAccountsEnv: async ({ resolveVariable }) => {
    const { members, organizationId } = await params(resolveVariable);
    return organizationId ? '*' : members.join(',');
  },
  /** The AssumeRole resources of deploy/iam-access-key.yml: the rotator path in the home account and each configured one. */
  iamKeyRotatorRoleArnsOf: async ({ resolveVariable }) => {
    const { roles } = await params(resolveVariable);
    return iamKeyRotatorRoleArns(roles, await resolveVariable("param:iamKeyRolePath, '/keywarden-rotator/'"));
  },
  /** KEYWARDEN_ROTATION_ACCOUNT_ROLES of the rotate function: the param, checked, as JSON ('' when none). */
  rotationAccountRolesEnv: async ({ resolveVariable }) => {
    const { roles } = await params(resolveVariable);
    return Object.keys(roles).length === 0 ? '' : JSON.stringify(roles);
  },
};
