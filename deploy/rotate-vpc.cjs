// The rotate function's network, decided when serverless resolves deploy/rotate.yml from the
// rotateSubnetIds and rotateSecurityGroupIds params (comma-separated). Decided here rather than by
// a CloudFormation condition: a condition on a param that is empty at package time always gives
// the same answer, and its Fn::Split of '' gives ids no subnet has (cfn-lint W8003, W1033).
/* global module */
'use strict';

// "Not found": deploy/rotate.yml falls back to null, and serverless drops a null property
// before it writes the template.
const NO_PROPERTY = null;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const VPC_ACCESS_POLICY = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole' };

function parseIds(raw, pattern, param) {
  const ids = String(raw ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) if (!pattern.test(id)) throw new Error(`${param}: "${id}" is not an id of that kind`);
  return [...new Set(ids)];
}

/** The rotate function's VPC settings: subnets and groups, or null (not in a VPC). */
function rotateNetwork(rawSubnets, rawGroups) {
  const subnets = parseIds(rawSubnets, SUBNET, 'rotateSubnetIds');
  const groups = parseIds(rawGroups, SECURITY_GROUP, 'rotateSecurityGroupIds');
  if (subnets.length === 0) {
    if (groups.length > 0) throw new Error('rotateSecurityGroupIds is set but rotateSubnetIds is empty: give both, or neither');
    return null;
  }
  if (groups.length === 0) throw new Error('rotateSubnetIds is set but rotateSecurityGroupIds is empty: give both, or neither');
  return { SubnetIds: subnets, SecurityGroupIds: groups };
}

/** The rotate function's checkov skips, with their reasons; the VPC one only when it is outside a VPC. */
const ROTATE_SKIPS = [
  {
    id: 'CKV_AWS_116',
    comment: 'Secrets Manager and the emergency function invoke it synchronously and see each failure themselves; a dead-letter queue only catches asynchronous invocations',
  },
  {
    id: 'CKV_AWS_115',
    comment: 'Secrets Manager treats a throttled invocation as a failed rotation step; a cap would turn a burst of scheduled rotations into failures',
  },
];
const OUTSIDE_VPC_SKIP = {
  id: 'CKV_AWS_117',
  comment: 'outside a VPC until rotateSubnetIds is given: generated-secret rotations call only AWS APIs; databases on a private network need the params (docs/rotation-databases.md)',
};

async function network({ resolveVariable }) {
  return rotateNetwork(await resolveVariable("param:rotateSubnetIds, ''"), await resolveVariable("param:rotateSecurityGroupIds, ''"));
}

module.exports = {
  rotateNetwork,
  ROTATE_SKIPS,
  OUTSIDE_VPC_SKIP,
  /** ${file(deploy/rotate-vpc.cjs):vpcConfig}: the function's VpcConfig, or no property. */
  vpcConfig: async (api) => (await network(api)) ?? NO_PROPERTY,
  /** ${file(deploy/rotate-vpc.cjs):managedPolicyArns}: the role's VPC access policy, or no property. */
  managedPolicyArns: async (api) => ((await network(api)) ? [VPC_ACCESS_POLICY] : NO_PROPERTY),
  /** ${file(deploy/rotate-vpc.cjs):checkovSkips}: the function's checkov skips (the VPC one only outside a VPC). */
  checkovSkips: async (api) => [...ROTATE_SKIPS, ...((await network(api)) ? [] : [OUTSIDE_VPC_SKIP])],
};
