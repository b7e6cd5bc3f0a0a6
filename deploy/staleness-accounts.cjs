// The staleness role's permission to assume the member-account roles of the stalenessAccounts
// param (the KEYWARDEN_ACCOUNTS list, shared/accounts.ts), built when serverless resolves
// serverless.yml: sts:AssumeRole on exactly the role ARNs configured, nothing wider, and no
// policy at all when no other account is configured. Each session is narrowed further by the
// session policy the function passes (ListSecrets, DescribeSecret, ListSecretVersionIds).
/* global module */
'use strict';

const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,576}$/;

/** The role ARNs of the stalenessAccounts param; a malformed list fails the package, not the first scan. */
function memberRoleArns(raw) {
  const text = String(raw ?? '').trim();
  if (text === '') return [];
  let list;
  try {
    list = JSON.parse(text);
  } catch {
    throw new Error('stalenessAccounts: not JSON (a list of {"accountId", "roleArn", "regions", "externalId"?})');
  }
  if (!Array.isArray(list)) throw new Error('stalenessAccounts: not a list');
  const arns = [];
  for (const [index, entry] of list.entries()) {
    if (!entry || typeof entry !== 'object' || entry.roleArn === undefined) continue;
    const match = ROLE_ARN.exec(String(entry.roleArn));
    if (!match || match[2] !== entry.accountId) throw new Error(`stalenessAccounts[${index}]: roleArn must be a role of account ${entry.accountId}`);
    if (!arns.includes(entry.roleArn)) arns.push(entry.roleArn);
  }
  return arns;
}

/** The AssumeRole policy of the staleness role, or no resources when no member role is configured. */
function assumeRoleResources(settings) {
  const arns = memberRoleArns(settings.accounts);
  if (arns.length === 0) return {};
  return {
    Resources: {
      StalenessAssumeMemberRolesPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'assume-member-account-roles',
          Roles: [{ Ref: 'StalenessRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'AssumeConfiguredMemberRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arns }],
          },
        },
      },
    },
  };
}

module.exports = {
  memberRoleArns,
  assumeRoleResources,
  /** Serverless calls this for ${file(deploy/staleness-accounts.cjs):resources}. */
  resources: async ({ resolveVariable }) => assumeRoleResources({ accounts: await resolveVariable("param:stalenessAccounts, '[]'") }),
};
