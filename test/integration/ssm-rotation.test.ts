import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { parseApiKey } from '../../shared/rotation/strategies/api-key';
import { runKeywarden } from '../support/run-cli';
import { jsonLines } from '../support/capture-output';
import { APP_ROLE, cloudTrail } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, putCloudTrailEvents, runAuditQueue, subscribeToFindings } from '../support/local-audit-pipeline';
import { parameterHistory as history } from '../support/ssm-parameters';

/**
 * `keywarden rotate` and `keywarden emergency` on SSM SecureString parameters, as a person runs
 * them (bin/keywarden.mjs), against the local AWS's Parameter Store; every refusal is checked
 * against the server afterwards: no new version, no label moved.
 */

const ssm = new SSMClient({});
const OLD_KEY = 'kw_0123456789abcdefghijABCDEFGHIJ0aaaaaa';

async function putParameter(name: string, value: string, options: { type?: 'SecureString' | 'String'; tags?: Record<string, string> } = {}): Promise<void> {
  await ssm.send(
    new PutParameterCommand({ Name: name, Value: value, Type: options.type ?? 'SecureString', Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }),
  );
}

async function valueOf(selector: string): Promise<string> {
  return (await ssm.send(new GetParameterCommand({ Name: selector, WithDecryption: true }))).Parameter!.Value!;
}

describe('keywarden rotate on a SecureString parameter', () => {
  it('writes a new version with a fresh API key, labels it current and the old one previous, and keeps the old version', async () => {
    const name = '/multitenant-ai-poc/tenant-1/partner-api-key';
    await putParameter(name, JSON.stringify({ apiKey: OLD_KEY, partner: 'acme' }), { tags: { 'keywarden:strategy': 'api-key' } });
    const run = await runKeywarden(['--json', 'rotate', name]);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ kind: 'parameter', name, strategy: 'api-key', ok: true, fromVersion: 1, toVersion: 2 });
    expect(await history(name)).toEqual([
      { version: 1, labels: ['previous'] },
      { version: 2, labels: ['current'] },
    ]);
    const current = JSON.parse(await valueOf(`${name}:current`)) as { apiKey: string; partner: string };
    expect(parseApiKey(current.apiKey)).toBeDefined();
    expect(current.partner).toBe('acme');
    expect(JSON.parse(await valueOf(`${name}:previous`)).apiKey).toBe(OLD_KEY);
    expect(await valueOf(name)).toBe(await valueOf(`${name}:current`));
    expect(run.stdout + run.stderr).not.toContain(current.apiKey);
    expect(run.stdout + run.stderr).not.toContain(OLD_KEY);
  });

  it('rotating again moves both labels on; every version stays', async () => {
    const name = '/multitenant-ai-poc/tenant-2/smtp-password';
    await putParameter(name, JSON.stringify({ username: 'mailer', password: 'old-password-1' }), { tags: { 'keywarden:strategy': 'password' } });
    expect((await runKeywarden(['rotate', name])).code).toBe(0);
    expect((await runKeywarden(['rotate', name])).code).toBe(0);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['previous'] },
      { version: 3, labels: ['current'] },
    ]);
    expect(JSON.parse(await valueOf(`${name}:current`))).toMatchObject({ username: 'mailer' });
    expect(await valueOf(`${name}:1`)).toContain('old-password-1');
  });
});

describe('keywarden emergency on a SecureString parameter', () => {
  it('rotates, takes the previous label off the leaked version, reviews who decrypted it and publishes the emergency finding; a dry run changes nothing', async () => {
    applyAuditFunctionEnv();
    const findings = await subscribeToFindings();
    const name = '/multitenant-ai-poc/tenant-1/leaked-api-key';
    await putParameter(name, JSON.stringify({ apiKey: OLD_KEY }), { tags: { 'keywarden:strategy': 'api-key' } });
    const now = new Date().toISOString();
    await putCloudTrailEvents([cloudTrail('GetParameter', { eventSource: 'ssm.amazonaws.com', eventTime: now, userIdentity: APP_ROLE, requestParameters: { name, withDecryption: true } })]);
    await runAuditQueue();
    await findings();
    const dry = await runKeywarden(['emergency', '--stage', 'ci', '--secret', name, '--reason', 'pasted in a ticket', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await history(name)).toEqual([{ version: 1, labels: [] }]);
    expect(await findings()).toEqual([]);

    const run = await runKeywarden(['--json', 'emergency', '--stage', 'ci', '--secret', name, '--reason', 'pasted in a ticket']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [report] = jsonLines(run.stdout).filter((l) => 'requestId' in l);
    const steps = (report!.secrets as Array<{ steps: Array<{ step: string; outcome: string }> }>)[0]!.steps.map((s) => [s.step, s.outcome]);
    expect(steps).toEqual([
      ['lock', 'done'],
      ['repair', 'skipped'],
      ['rotate', 'done'],
      ['revoke', 'done'],
      ['access-review', 'done'],
      ['notify', 'done'],
    ]);
    const review = (report!.secrets as Array<{ accessReview: { reads: number; principals: Array<{ principal: string }> } }>)[0]!.accessReview;
    expect(review.reads).toBe(1);
    expect(review.principals.map((p) => p.principal)).toEqual([APP_ROLE.sessionContext.sessionIssuer.arn]);
    const published = await findings();
    expect(published.map((f) => [f.ruleId, f.severity, f.secret?.name, f.tenant])).toEqual([['emergency.rotation', 'high', name, 'tenant-1']]);
    expect(JSON.stringify(published)).not.toContain(OLD_KEY);
    expect(await history(name)).toEqual([
      { version: 1, labels: [] },
      { version: 2, labels: ['current'] },
    ]);
    expect(JSON.parse(await valueOf(name)).apiKey).not.toBe(OLD_KEY);
    expect(run.stdout + run.stderr).not.toContain(OLD_KEY);
  });
});

describe('refusals: nothing is written', () => {
  const refused = async (args: string[], name: string, expected: RegExp, code = 2) => {
    const before = await history(name).catch(() => undefined);
    const run = await runKeywarden(args);
    expect(run.code, run.stdout + run.stderr).toBe(code);
    expect(run.stderr).toMatch(expected);
    expect(await history(name).catch(() => undefined)).toEqual(before);
  };

  it('attack: a String parameter (not SecureString) is refused', async () => {
    const name = '/multitenant-ai-poc/tenant-1/plain-config';
    await putParameter(name, JSON.stringify({ apiKey: OLD_KEY }), { type: 'String', tags: { 'keywarden:strategy': 'api-key' } });
    await refused(['rotate', name], name, /it is a String, and keywarden rotates SecureString parameters only/);
    await refused(['emergency', '--stage', 'ci', '--secret', name, '--reason', 'test refusal'], name, /SecureString parameters only/);
  });

  it('attack: a parameter outside the configured prefix is refused before any call', async () => {
    const name = '/payments/prod/master-key';
    await putParameter(name, JSON.stringify({ apiKey: OLD_KEY }), { tags: { 'keywarden:strategy': 'api-key' } });
    await refused(['rotate', name], name, /outside the configured prefixes \(\/multitenant-ai-poc\/\)/);
    await refused(['rotate', '/multitenant-ai-poc/../payments/prod/master-key'], name, /refusing parameter/);
  });

  it('attack: tags naming a database strategy (or none, or an unknown one) are refused; parameters have no binding', async () => {
    const tagSets: Array<Record<string, string>> = [{ 'keywarden:strategy': 'postgres' }, { 'keywarden:strategy': 'redis' }, { 'keywarden:strategy': '__proto__' }, {}];
    for (const [i, tags] of tagSets.entries()) {
      const name = `/multitenant-ai-poc/tenant-1/db-${i}`;
      await putParameter(name, JSON.stringify({ engine: 'postgres', host: 'evil.example', username: 'postgres', password: 'x' }), { tags });
      await refused(['rotate', name], name, /not a generated strategy|tag it keywarden:strategy=/);
    }
  });

  it('attack: a value that is not JSON fails before anything is written, and the current value still reads', async () => {
    const name = '/multitenant-ai-poc/tenant-1/not-json';
    await putParameter(name, 'plain-text-key', { tags: { 'keywarden:strategy': 'api-key' } });
    const run = await runKeywarden(['rotate', name]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/failed/);
    expect(run.stdout + run.stderr).not.toContain('plain-text-key');
    expect(await history(name)).toEqual([{ version: 1, labels: [] }]);
    expect(await valueOf(name)).toBe('plain-text-key');
  });

  it('a missing parameter exits 3; a version selector and --every are refused', async () => {
    expect((await runKeywarden(['rotate', '/multitenant-ai-poc/tenant-1/none'])).code).toBe(3);
    const name = '/multitenant-ai-poc/tenant-1/sel';
    await putParameter(name, JSON.stringify({ apiKey: OLD_KEY }), { tags: { 'keywarden:strategy': 'api-key' } });
    await refused(['rotate', `${name}:current`], name, /without a version or label/);
    await refused(['rotate', name, '--every', '30'], name, /--every is for secrets/);
  });
});
