import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';

/** The CloudFormation template `serverless package` wrote; `npm test` packages before running. */
export const TEMPLATE_PATH = join(import.meta.dirname, '..', '..', '.serverless', 'cloudformation-template-update-stack.json');

/** One resource of the template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Reads the packaged template; a clear message when `serverless package` has not run. */
export function readPackagedTemplate(path = TEMPLATE_PATH): { Resources: Record<string, TemplateResource> } {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run package\` (npm test does it first)`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every IAM policy statement in the template, with where it stands. */
export function iamStatements(resources: Record<string, TemplateResource>): Array<{ where: string; statement: Record<string, unknown> }> {
  const out: Array<{ where: string; statement: Record<string, unknown> }> = [];
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const documents: Array<[string, unknown]> = [];
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []) {
        documents.push([`${id}/${policy.PolicyName}`, policy.PolicyDocument]);
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push([id, props.PolicyDocument]);
    }
    for (const [where, document] of documents) {
      const statements = (document as { Statement?: unknown }).Statement;
      for (const statement of [statements].flat() as Array<Record<string, unknown>>) out.push({ where, statement });
    }
  }
  return out;
}

/** Every statement that applies to a role: its inline policies and the AWS::IAM::Policy resources attached to it. */
export function roleStatements(resources: Record<string, TemplateResource>, roleId: string): Array<Record<string, unknown>> {
  const attached = Object.entries(resources).filter(
    ([, resource]) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties?.Roles).includes(`{"Ref":"${roleId}"}`),
  );
  return iamStatements({ [roleId]: resources[roleId]!, ...Object.fromEntries(attached) }).map(({ statement }) => statement);
}

/** A role's statements that allow a kms: action. */
export function kmsStatements(resources: Record<string, TemplateResource>, roleId: string): Array<Record<string, unknown>> {
  return roleStatements(resources, roleId).filter((statement) => ([statement.Action].flat() as string[]).some((action) => action.startsWith('kms:')));
}

/** Two customer-managed keys in the ci stage's region, for the secretsKmsKeyArns param. */
export const SECRETS_KMS_KEYS = [
  'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  'arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab',
];

/** The condition every KMS grant carries: usable only through Secrets Manager in the stack's region. */
export const THROUGH_SECRETS_MANAGER = { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } };

/** The condition of a grant on the message key: usable only through SQS or SNS in the stack's region. */
export const throughService = (service: string) => ({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': `${service}.\${AWS::Region}.amazonaws.com` } } });

/**
 * No `*` action or service wildcard; `*` resources only under a condition; KMS grants name keys,
 * and only through the service that needs them: Secrets Manager for the secretsKmsKeyArns keys,
 * SQS or SNS for the messagesKmsKeyArn key.
 */
export function expectLeastPrivilege(resources: Record<string, TemplateResource>, keys: { secrets?: string[]; messages?: string } = {}) {
  const statements = iamStatements(resources).filter(({ statement }) => statement.Effect === 'Allow');
  expect(statements.length).toBeGreaterThan(0);
  for (const { where, statement } of statements) {
    const actions = [statement.Action].flat() as string[];
    for (const action of actions) {
      expect(action, `${where} allows ${action}`).not.toMatch(/(^\*$)|(:\*$)/);
    }
    for (const resource of [statement.Resource].flat()) {
      if (resource === '*') expect(statement.Condition, `${where} allows every resource without a condition`).toBeDefined();
    }
    if (actions.some((action) => action.startsWith('kms:'))) {
      expect(actions.every((action) => action.startsWith('kms:')), `${where} mixes KMS and other actions`).toBe(true);
      for (const resource of [statement.Resource].flat()) {
        expect(resource, `${where} grants a KMS action on something other than a key`).toMatch(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-z-]+$/);
      }
      if (JSON.stringify(statement.Condition).includes('secretsmanager.')) {
        expect(statement.Condition, where).toEqual(THROUGH_SECRETS_MANAGER);
        expect(statement.Resource, `${where} names a key that is not a secrets key`).toEqual(keys.secrets);
      } else {
        expect([throughService('sqs'), throughService('sns')], `${where} grants a KMS key for use outside Secrets Manager, SQS and SNS`).toContainEqual(statement.Condition);
        expect(statement.Resource, `${where} names a key that is not the message key`).toEqual([keys.messages]);
      }
    }
  }
}

/**
 * Packages the service with extra `--param`s and returns that template. `serverless package`
 * empties its service's .serverless/ first (even with `--package <dir>`), which every other test
 * reads, so it packages a copy of the service (bundles and node_modules linked) instead. The
 * template is kept for the rest of the run (bundles and serverless.yml do not change during one),
 * so files asking for the same params package once.
 */
export function packageWithParams(params: Record<string, string>): { Resources: Record<string, TemplateResource> } {
  const key = createHash('sha256').update(JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)))).digest('hex').slice(0, 16);
  const kept = join(inject('packagedTemplatesDir'), `${key}.json`);
  if (existsSync(kept)) return JSON.parse(readFileSync(kept, 'utf8'));
  const text = packageTemplateText(params);
  // Written whole, then renamed: a file packaging the same params meanwhile never reads half of it.
  writeFileSync(`${kept}.${process.pid}`, text);
  renameSync(`${kept}.${process.pid}`, kept);
  return JSON.parse(text);
}

function packageTemplateText(params: Record<string, string>): string {
  const root = join(import.meta.dirname, '..', '..');
  const service = mkdtempSync(join(tmpdir(), 'kw-package-'));
  try {
    copyFileSync(join(root, 'serverless.yml'), join(service, 'serverless.yml'));
    copyFileSync(join(root, 'package.json'), join(service, 'package.json'));
    cpSync(join(root, 'deploy'), join(service, 'deploy'), { recursive: true });
    symlinkSync(join(root, 'dist'), join(service, 'dist'));
    symlinkSync(join(root, 'node_modules'), join(service, 'node_modules'));
    execFileSync(join(root, 'node_modules', '.bin', 'serverless'), ['package', '--stage', 'ci', ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)], {
      cwd: service,
      stdio: 'pipe',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    return readFileSync(join(service, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8');
  } finally {
    rmSync(service, { recursive: true, force: true });
  }
}
