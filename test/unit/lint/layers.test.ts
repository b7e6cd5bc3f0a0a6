import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerViolation } from '../../../eslint-rules/layers.js';

/** The messages `npm run lint` gives `code` placed at `file` (a repo path), from the project's own config. */
async function lintAt(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: process.cwd() }).lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'keywarden/layers').map((m) => m.message);
}

describe('the layers rule (eslint-rules/layers.js)', () => {
  it('refuses a stage importing a stage above it, and one importing another stage’s internals', () => {
    expect(layerViolation('shared/audit/normalise.ts', 'shared/detection/engine')).toMatch(/not below it/);
    expect(layerViolation('shared/consumers/map.ts', 'shared/staleness/inventory')).toMatch(/not below it/);
    expect(layerViolation('shared/detection/engine.ts', 'shared/alerting/channels')).toMatch(/not below it/);
    expect(layerViolation('shared/emergency/runbook.ts', 'shared/rotation/db/alternating-users')).toMatch(/contract/);
    expect(layerViolation('shared/finding.ts', 'shared/alerting/channel')).toMatch(/top-level/);
    expect(layerViolation('shared/rotation/strategies/custom.ts', 'shared/aws/lambda-custom-rotator')).toMatch(/adapters/);
  });

  it('lets a stage import a lower stage’s contract, the top-level types, and itself', () => {
    expect(layerViolation('shared/detection/engine.ts', 'shared/audit/record')).toBeUndefined();
    expect(layerViolation('shared/emergency/runbook.ts', 'shared/rotation/driver')).toBeUndefined();
    expect(layerViolation('shared/staleness/scan.ts', 'shared/finding')).toBeUndefined();
    expect(layerViolation('shared/rotation/db/postgres-engine.ts', 'shared/rotation/values/json-secret')).toBeUndefined();
    expect(layerViolation('shared/aws/rotate-deps.ts', 'shared/rotation/db/master')).toBeUndefined();
  });

  it('keeps shared/rotation one way: value helpers, then database engines, then strategies', () => {
    expect(layerViolation('shared/rotation/db/login.ts', 'shared/rotation/strategies/password')).toMatch(/leftward only/);
    expect(layerViolation('shared/rotation/values/key-list.ts', 'shared/rotation/db/secret')).toMatch(/leftward only/);
    expect(layerViolation('shared/rotation/strategies/postgres.ts', 'shared/rotation/db/postgres-engine')).toBeUndefined();
    expect(layerViolation('shared/rotation/db/single-user.ts', 'shared/rotation/values/json-secret')).toBeUndefined();
    expect(layerViolation('shared/rotation/contract.ts', 'shared/rotation/strategy')).toBeUndefined();
  });

  it('keeps shared/ out of cli/ and functions/, and one function out of another', () => {
    expect(layerViolation('shared/staleness/scan.ts', 'cli/output')).toMatch(/never imports cli/);
    expect(layerViolation('shared/aws/clients.ts', 'functions/rotate/handler')).toMatch(/never imports functions/);
    expect(layerViolation('functions/audit/handler.ts', 'functions/alert/handler')).toMatch(/functions\/audit imports functions\/alert/);
    expect(layerViolation('functions/audit/handler.ts', 'shared/detection/process-audit-batch')).toBeUndefined();
  });

  it('fails `npm run lint` on the SDK outside the adapters and on a wrong-way import, and passes the same code where it belongs', async () => {
    const sdk = "import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';\nexport const c = DescribeSecretCommand;\n";
    expect(await lintAt('shared/staleness/x.ts', sdk)).toEqual([expect.stringMatching(/outside shared\/aws/)]);
    expect(await lintAt('cli/commands/x.ts', sdk)).toEqual([expect.stringMatching(/outside shared\/aws/)]);
    expect(await lintAt('shared/aws/x.ts', sdk)).toEqual([]);
    expect(await lintAt('cli/local/x.ts', sdk)).toEqual([]);
    const upward = "import { detectAnomalies } from '../detection/engine';\nexport const d = detectAnomalies;\n";
    expect(await lintAt('shared/audit/x.ts', upward)).toEqual([expect.stringMatching(/not below it/)]);
    const templated = "export const load = () => import(`@aws-sdk/client-ecs`);\n";
    expect(await lintAt('shared/refresh/x.ts', templated)).toEqual([expect.stringMatching(/outside shared\/aws/)]);
    const required = "export const ecs = require('@aws-sdk/client-ecs');\n";
    expect((await lintAt('shared/refresh/x.ts', required)).some((m) => /outside shared\/aws/.test(m))).toBe(true);
    const computed = "const name = 'x';\nexport const load = () => import(`../aws/${name}`);\n";
    expect(await lintAt('shared/refresh/x.ts', computed)).toEqual([expect.stringMatching(/computed/)]);
    const viaIndex = "export * from '../emergency';\n";
    expect(await lintAt('shared/ssm/x.ts', viaIndex)).toEqual([expect.stringMatching(/contract/)]);
    const lazy = "export const load = () => import('../../aws/iam-access-keys');\n";
    expect(await lintAt('shared/rotation/strategies/x.ts', lazy)).toEqual([expect.stringMatching(/adapters/)]);
  });
});
