import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Statement {
  Sid: string;
  Action: string | string[];
  Resource: Array<{ 'Fn::Sub': string }>;
}
interface RefreshPermissions {
  entries(raw: unknown, param: string, pattern: RegExp): string[];
  refreshPermissions(ecs: string[], lambda: string[]): { Resources?: { RefreshConsumersPolicy: { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } } } };
  resources(ctx: { resolveVariable: (name: string) => Promise<unknown> }): Promise<unknown>;
}
const permissions = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'refresh-permissions.cjs')) as RefreshPermissions;
const resolving = (params: Record<string, string>) => ({ resolveVariable: async (name: string) => params[name.split(',')[0]!.replace('param:', '')] ?? '' });

describe('deploy/refresh-permissions.cjs', () => {
  it('grants nothing when no allow-list is set', async () => {
    expect(await permissions.resources(resolving({}))).toEqual({});
  });

  it('grants ecs:UpdateService and the three Lambda calls on the allow-listed prefixes of this account and region only; {tenant} becomes *', async () => {
    const out = (await permissions.resources(resolving({ refreshEcsServices: 'apps/{tenant}-, shared/billing-', refreshLambdaPrefixes: 'payments-{tenant}-' }))) as ReturnType<RefreshPermissions['refreshPermissions']>;
    const policy = out.Resources!.RefreshConsumersPolicy.Properties;
    expect(policy.Roles).toEqual([{ Ref: 'RefreshRole' }]);
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'NewDeploymentsOfAllowedServices',
        Effect: 'Allow',
        Action: 'ecs:UpdateService',
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/apps/*-*' },
          { 'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/shared/billing-*' },
        ],
      },
      {
        Sid: 'NewConfigurationVersionsOfAllowedFunctions',
        Effect: 'Allow',
        Action: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:payments-*-*' }],
      },
    ]);
  });

  it.each([
    ['refreshLambdaPrefixes', '*'],
    ['refreshLambdaPrefixes', '{tenant}-'],
    ['refreshLambdaPrefixes', 'arn:aws:lambda:us-east-1:1:function:x'],
    ['refreshEcsServices', 'apps'],
    ['refreshEcsServices', '*/*'],
  ])('attack: %s=%s (a wildcard or another account) fails the package', async (param, value) => {
    await expect(permissions.resources(resolving({ [param]: value }))).rejects.toThrow(param);
  });
});
