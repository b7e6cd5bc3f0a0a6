import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iamStatements, readPackagedTemplate, type TemplateResource } from '../support/template';

const ROOT = join(import.meta.dirname, '..', '..');

function rotateParts(template: { Resources: Record<string, TemplateResource>; Conditions?: Record<string, unknown> }) {
  const fn = template.Resources.RotateLambdaFunction!.Properties!;
  const role = template.Resources.RotateRole!.Properties!;
  return { fn, role, condition: template.Conditions?.RotateInVpc };
}

describe('the rotate function in the packaged template', () => {
  it('runs outside a VPC unless subnets are given, with database timeouts and the RDS CAs available', () => {
    const template = readPackagedTemplate() as ReturnType<typeof readPackagedTemplate> & { Conditions?: Record<string, unknown> };
    const { fn, role, condition } = rotateParts(template);
    expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(fn.VpcConfig).toMatchObject({ 'Fn::If': ['RotateInVpc', expect.anything(), { Ref: 'AWS::NoValue' }] });
    expect(role.ManagedPolicyArns).toMatchObject({ 'Fn::If': ['RotateInVpc', expect.anything(), { Ref: 'AWS::NoValue' }] });
    expect(Number(fn.Timeout)).toBeGreaterThanOrEqual(60);
    expect((fn.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '5000',
      KEYWARDEN_DB_STATEMENT_TIMEOUT_MS: '10000',
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
  });

  it('may only read master secrets, and only this stage\'s', () => {
    const statements = iamStatements(readPackagedTemplate().Resources).filter((s) => s.where === 'RotateRole/rotate');
    const master = statements.find((s) => s.statement.Sid === 'ReadMasterSecrets')!.statement;
    expect(master.Action).toBe('secretsmanager:GetSecretValue');
    expect(master.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/keywarden:stage': 'ci' } });
  });

  it('attaches subnets, security groups and the VPC access policy when the parameters are set', () => {
    // `serverless package` empties its service's .serverless/ first, which the other tests read:
    // package a copy of the service (bundles and node_modules linked) instead.
    const service = mkdtempSync(join(tmpdir(), 'kw-vpc-package-'));
    try {
      copyFileSync(join(ROOT, 'serverless.yml'), join(service, 'serverless.yml'));
      copyFileSync(join(ROOT, 'package.json'), join(service, 'package.json'));
      cpSync(join(ROOT, 'deploy'), join(service, 'deploy'), { recursive: true });
      symlinkSync(join(ROOT, 'dist'), join(service, 'dist'));
      symlinkSync(join(ROOT, 'node_modules'), join(service, 'node_modules'));
      execFileSync(
        join(ROOT, 'node_modules', '.bin', 'serverless'),
        ['package', '--stage', 'ci', '--param=rotateSubnetIds=subnet-aaa,subnet-bbb', '--param=rotateSecurityGroupIds=sg-123', '--param=rotateTimeoutSeconds=120'],
        { cwd: service, stdio: 'pipe', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      );
      const template = JSON.parse(readFileSync(join(service, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'));
      const { fn, role, condition } = rotateParts(template);
      expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['subnet-aaa,subnet-bbb', ''] }] });
      expect(fn.VpcConfig).toEqual({
        'Fn::If': [
          'RotateInVpc',
          { SubnetIds: { 'Fn::Split': [',', 'subnet-aaa,subnet-bbb'] }, SecurityGroupIds: { 'Fn::Split': [',', 'sg-123'] } },
          { Ref: 'AWS::NoValue' },
        ],
      });
      expect(JSON.stringify(role.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
      expect(Number(fn.Timeout)).toBe(120);
    } finally {
      rmSync(service, { recursive: true, force: true });
    }
  });
});
