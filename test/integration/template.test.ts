import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectLeastPrivilege,
  iamStatements,
  kmsStatements,
  packageWithParams,
  readPackagedTemplate,
  roleStatements,
  SECRETS_KMS_KEYS,
  THROUGH_SECRETS_MANAGER,
  type TemplateResource,
} from '../support/template';

const ROOT = join(import.meta.dirname, '..', '..');
const { Resources } = readPackagedTemplate();
const ofType = (type: string) => Object.entries(Resources).filter(([, r]) => r.Type === type);
const functionNames = readdirSync(join(ROOT, 'functions')).filter((name) =>
  statSync(join(ROOT, 'functions', name)).isDirectory(),
);
const logicalId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
const actionsOf = (statements: Array<Record<string, unknown>>) => statements.flatMap((s) => [s.Action].flat() as string[]);

/** The queues that some resource names as the place failed work goes: a redrive target, a rule's DLQ, an on-failure destination. */
function deadLetterQueueIds(resources: Record<string, TemplateResource>): Set<string> {
  const text = JSON.stringify(
    Object.values(resources).map((r) => [
      (r.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
      (r.Properties?.Targets as Array<{ DeadLetterConfig?: unknown }> | undefined)?.map((t) => t.DeadLetterConfig),
      (r.Properties?.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure,
    ]),
  );
  return new Set(Object.keys(resources).filter((id) => text.includes(`{"Fn::GetAtt":["${id}","Arn"]}`)));
}

describe('the packaged CloudFormation template', () => {
  it.each(functionNames)('declares function %s on nodejs22.x from its bundle', (name) => {
    const fn = Resources[logicalId(name)];
    expect(fn?.Type).toBe('AWS::Lambda::Function');
    expect(fn?.Properties?.Runtime).toBe('nodejs22.x');
    expect(fn?.Properties?.Handler).toBe(`dist/functions/${name}/index.handler`);
  });

  it.each(functionNames)('zips exactly the files that npm run build wrote for %s: the handler and its chunks', (name) => {
    const zip = join(ROOT, '.serverless', `${name}.zip`);
    const listed = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
    const built = readdirSync(join(ROOT, 'dist', 'functions', name)).map((file) => `dist/functions/${name}/${file}`).sort();
    expect(built).toContain(`dist/functions/${name}/index.mjs`);
    expect(listed).toEqual(built);
    for (const file of built) {
      const zipped = execFileSync('unzip', ['-p', zip, file], { maxBuffer: 16 * 1024 * 1024 });
      expect(zipped.equals(readFileSync(join(ROOT, file))), file).toBe(true);
    }
  });

  it('gives every SQS queue a dead-letter queue, or is one', () => {
    const deadLetterIds = deadLetterQueueIds(Resources);
    for (const [id, queue] of ofType('AWS::SQS::Queue')) {
      const hasDlq = Boolean((queue.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn);
      expect(hasDlq || deadLetterIds.has(id), `queue ${id} has no DLQ and is none`).toBe(true);
    }
  });

  it('has no IAM statement that allows * or secretsmanager:* or any service wildcard', () => {
    expectLeastPrivilege(Resources);
  });

  it('grants no KMS key by default: secrets on aws/secretsmanager need none', () => {
    expect(actionsOf(iamStatements(Resources).map(({ statement }) => statement)).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  it('scopes Secrets Manager permissions to this stage', () => {
    const secretStatements = iamStatements(Resources).filter(({ statement }) =>
      ([statement.Action].flat() as string[]).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const { where, statement } of secretStatements) {
      // ListSecrets has no resource type and no condition key of its own: IAM grants it only on
      // "*". It must stand alone in its statement, held to this region (deploy/staleness.yml).
      if (JSON.stringify(statement.Action) === '"secretsmanager:ListSecrets"') {
        expect(statement.Resource, where).toBe('*');
        expect(JSON.stringify(statement.Condition), where).toMatch(/aws:RequestedRegion/);
        continue;
      }
      // The staleness scan counts the versions of every secret ListSecrets shows it (any stage's:
      // the scan covers the whole account), a metadata read that returns ids and labels, never a
      // value. It must stand alone, on this account's secrets (deploy/staleness.yml CountVersions).
      if (JSON.stringify(statement.Action) === '"secretsmanager:ListSecretVersionIds"') {
        expect(JSON.stringify(statement.Resource), where).toMatch(/secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:\*/);
        continue;
      }
      expect(JSON.stringify(statement.Resource), where).toMatch(/secretsmanager:.*:secret:/);
      // Tenant secrets carry keywarden:stage; master secrets keywarden:master (deploy/rotate.yml):
      // either way the tag names this stage, so no other stage's secret is reachable.
      expect(JSON.stringify(statement.Condition), where).toMatch(/"aws:ResourceTag\/keywarden:(stage|master)":"ci"/);
    }
  });

  it('lets Secrets Manager, and only it from this account, invoke the rotate function', () => {
    const permissions = ofType('AWS::Lambda::Permission').map(([, p]) => p as TemplateResource);
    const forRotate = permissions.filter(
      (p) => JSON.stringify(p.Properties?.FunctionName).includes('RotateLambdaFunction'),
    );
    expect(forRotate).toHaveLength(1);
    expect(forRotate[0]!.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
    });
    expect(forRotate[0]!.Properties?.SourceAccount).toBeDefined();
  });

  it('gives each function a role of its own', () => {
    const roles = ofType('AWS::Lambda::Function').map(([, fn]) => JSON.stringify(fn.Properties?.Role));
    expect(new Set(roles).size).toBe(roles.length);
  });
});

describe('the packaged template with the secretsKmsKeyArns param', () => {
  let withKeys: Record<string, TemplateResource>;
  beforeAll(() => {
    // Spaces and a repeated key, as a hand-typed --param may have them.
    withKeys = packageWithParams({ secretsKmsKeyArns: ` ${SECRETS_KMS_KEYS[0]}, ${SECRETS_KMS_KEYS[1]},${SECRETS_KMS_KEYS[0]}` }).Resources;
  }, 120_000);

  it('still has no wildcard action, and its KMS statements name keys, never "*"', () => {
    expectLeastPrivilege(withKeys, { secrets: SECRETS_KMS_KEYS });
  });

  it('grants the keys to exactly the roles that read (Decrypt) or write (GenerateDataKey) secret values, through Secrets Manager only', () => {
    const roles = Object.keys(withKeys).filter((id) => withKeys[id]!.Type === 'AWS::IAM::Role');
    const granted: string[] = [];
    for (const roleId of roles) {
      const secretActions = actionsOf(roleStatements(withKeys, roleId));
      const expected = [
        ...(secretActions.some((a) => a === 'secretsmanager:GetSecretValue' || a === 'secretsmanager:BatchGetSecretValue') ? ['kms:Decrypt'] : []),
        ...(secretActions.includes('secretsmanager:PutSecretValue') ? ['kms:GenerateDataKey'] : []),
      ];
      const kms = kmsStatements(withKeys, roleId);
      expect(actionsOf(kms).sort(), roleId).toEqual(expected);
      for (const statement of kms) expect({ Resource: statement.Resource, Condition: statement.Condition }, roleId).toEqual({ Resource: SECRETS_KMS_KEYS, Condition: THROUGH_SECRETS_MANAGER });
      if (kms.length > 0) granted.push(roleId);
    }
    // The emergency and audit functions never read a value; refresh reads its Kubernetes connection.
    expect(granted.sort()).toEqual(['AlertRole', 'RefreshRole', 'RotateRole', 'StalenessRole']);
  });
});
