// The refresh role's rights on consumers, built from the same allow-list params the function
// reads (refreshEcsServices, refreshLambdaPrefixes), so IAM and the code's check say the same
// thing: ecs:UpdateService on `service/<cluster>/<prefix>*` of this account and region only,
// and the three Lambda calls on `function:<prefix>*`. `{tenant}` becomes `*` here (IAM cannot
// know the secret's tenant; the function checks it). Empty params add nothing: no ECS or Lambda
// right at all. Kubernetes rights live in the cluster's RBAC, not here (README, "Refresh").
/* global module */
'use strict';

const ECS_ENTRY = /^[A-Za-z0-9_{}-]+\/[A-Za-z0-9_{}-]*$/;
// A literal start before any {tenant}: `{tenant}-` would be function:*-*, nearly every function.
const LAMBDA_PREFIX = /^[A-Za-z0-9_-]+[A-Za-z0-9_{}-]*$/;

/** A comma-separated param as a list, each entry checked against `pattern`. */
function entries(raw, param, pattern) {
  const list = String(raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of list) if (!pattern.test(entry)) throw new Error(`${param}: "${entry}" is not allowed (see README, "Refresh")`);
  return [...new Set(list)];
}

const wildTenant = (entry) => entry.split('{tenant}').join('*');

/** The RefreshConsumersPolicy resource, or none when neither list names anything. */
function refreshPermissions(ecsServices, lambdaPrefixes) {
  const Statement = [];
  if (ecsServices.length > 0) {
    Statement.push({
      Sid: 'NewDeploymentsOfAllowedServices',
      Effect: 'Allow',
      Action: 'ecs:UpdateService',
      Resource: ecsServices.map((entry) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/${wildTenant(entry)}*` })),
    });
  }
  if (lambdaPrefixes.length > 0) {
    Statement.push({
      Sid: 'NewConfigurationVersionsOfAllowedFunctions',
      Effect: 'Allow',
      Action: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'],
      Resource: lambdaPrefixes.map((prefix) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${wildTenant(prefix)}*` })),
    });
  }
  if (Statement.length === 0) return {};
  return {
    Resources: {
      RefreshConsumersPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyName: 'refresh-consumers', Roles: [{ Ref: 'RefreshRole' }], PolicyDocument: { Version: '2012-10-17', Statement } },
      },
    },
  };
}

module.exports = {
  entries,
  refreshPermissions,
  /** Serverless calls this for ${file(deploy/refresh-permissions.cjs):resources}. */
  resources: async ({ resolveVariable }) => {
    const ecsServices = entries(await resolveVariable("param:refreshEcsServices, ''"), 'refreshEcsServices', ECS_ENTRY);
    const lambdaPrefixes = entries(await resolveVariable("param:refreshLambdaPrefixes, ''"), 'refreshLambdaPrefixes', LAMBDA_PREFIX);
    return refreshPermissions(ecsServices, lambdaPrefixes);
  },
};
