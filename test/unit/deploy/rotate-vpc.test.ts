import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface RotateVpc {
  rotateNetwork(subnets: unknown, groups: unknown): { SubnetIds: string[]; SecurityGroupIds: string[] } | null;
}
const rotateVpc = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'rotate-vpc.cjs')) as RotateVpc;

const SUBNET_A = 'subnet-0123456789abcdef0';
const SUBNET_B = 'subnet-0fedcba9';
const GROUP = 'sg-0123456789abcdef0';

describe('the rotateSubnetIds and rotateSecurityGroupIds params', () => {
  it('leave the rotate function outside a VPC when both are empty', () => {
    expect(rotateVpc.rotateNetwork('', '')).toBeNull();
    expect(rotateVpc.rotateNetwork(undefined, ' ')).toBeNull();
  });

  it('give subnets and groups, spaces trimmed and repeats dropped', () => {
    expect(rotateVpc.rotateNetwork(` ${SUBNET_A}, ${SUBNET_B},${SUBNET_A}`, GROUP)).toEqual({ SubnetIds: [SUBNET_A, SUBNET_B], SecurityGroupIds: [GROUP] });
  });

  it('refuse one without the other: Lambda cannot attach a VPC with only half of it', () => {
    expect(() => rotateVpc.rotateNetwork(SUBNET_A, '')).toThrow('rotateSubnetIds is set but rotateSecurityGroupIds is empty');
    expect(() => rotateVpc.rotateNetwork('', GROUP)).toThrow('rotateSecurityGroupIds is set but rotateSubnetIds is empty');
  });

  it.each([
    ['a subnet name', 'private-a', GROUP, 'rotateSubnetIds: "private-a"'],
    ['a group given as a subnet', GROUP, GROUP, `rotateSubnetIds: "${GROUP}"`],
    ['a group name', SUBNET_A, 'default', 'rotateSecurityGroupIds: "default"'],
  ])('refuse %s', (_what, subnets, groups, message) => {
    expect(() => rotateVpc.rotateNetwork(subnets, groups)).toThrow(message);
  });

  it('attack: text that is not an id (a comma-joined intrinsic, a space-separated list) never reaches VpcConfig', () => {
    expect(() => rotateVpc.rotateNetwork('{"Fn::ImportValue":"x"}', GROUP)).toThrow('rotateSubnetIds: "{"Fn::ImportValue":"x"}" is not an id of that kind');
    expect(() => rotateVpc.rotateNetwork(`${SUBNET_A} ${SUBNET_B}`, GROUP)).toThrow(/rotateSubnetIds: .* is not an id of that kind/);
  });
});
