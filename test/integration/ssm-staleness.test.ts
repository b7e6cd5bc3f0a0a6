import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { captureOutput, jsonLines } from '../support/capture-output';
import { createSecrets, DAY_MS, drainFindings, findingsQueue, latestStamp, readMetrics, runScan, stalenessEnv } from '../support/local-staleness-scan';

/**
 * SecureString parameters in the staleness inventory: listed from the local AWS's Parameter Store
 * next to secrets by the CLI (`keywarden stale`, `keywarden report`) and the built staleness bundle.
 */

const ssm = new SSMClient({});
const keywarden = (...args: string[]) => captureOutput(() => main(['node', 'keywarden', ...args]));

beforeEach(() => stalenessEnv({}));

async function putParameter(name: string, type: 'SecureString' | 'String', tags: Record<string, string> = {}): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: `value-of-${name.length}`, Type: type, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

/** Four SecureStrings in scope (three tenants and a shared one), and three that are not listed. */
async function seedParameters(): Promise<string[]> {
  const inScope = ['/multitenant-ai-poc/tenant-1/db-password', '/multitenant-ai-poc/tenant-2/partner-api-key', '/multitenant-ai-poc/tenant-2/jwt-signing-key', '/multitenant-ai-poc/shared/smtp-password'];
  for (const name of inScope) await putParameter(name, 'SecureString', name.includes('partner') ? { 'keywarden:strategy': 'api-key' } : {});
  await putParameter('/multitenant-ai-poc/tenant-1/feature-flags', 'String');
  await putParameter('/other-app/tenant-1/db-password', 'SecureString');
  await putParameter('flat-secure-string', 'SecureString');
  return inScope;
}

describe('SecureString parameters in the staleness inventory', () => {
  it('keywarden stale lists in-scope SecureStrings beside secrets, with kind, tenant from the path and type from tags or name', async () => {
    await createSecrets([{ name: 'multitenant-ai-poc/tenant-1/orders-db-password' }]);
    const names = await seedParameters();
    const { printed } = await keywarden('stale', '--json');
    const lines = jsonLines(printed);
    const parameters = lines.filter((l) => l.kind === 'parameter');
    expect(parameters.map((l) => l.name).sort()).toEqual([...names].sort());
    expect(lines.filter((l) => l.kind === 'secret').map((l) => l.name)).toEqual(['multitenant-ai-poc/tenant-1/orders-db-password']);
    const byName = new Map(parameters.map((l) => [l.name, l]));
    expect(byName.get('/multitenant-ai-poc/tenant-2/partner-api-key')).toMatchObject({ tenant: 'tenant-2', type: 'api-key', typeSource: 'strategy', rotationEnabled: false, status: 'rotation-disabled' });
    expect(byName.get('/multitenant-ai-poc/tenant-1/db-password')).toMatchObject({ tenant: 'tenant-1', type: 'database', });
    // AWS's DescribeParameters gives the ARN; moto's gives none, and the name stands in.
    expect(byName.get('/multitenant-ai-poc/tenant-1/db-password')!.arn).toMatch(/^(arn:aws:ssm:[^:]+:\d+:parameter)?\/multitenant-ai-poc\/tenant-1\/db-password$/);
    expect(byName.get('/multitenant-ai-poc/shared/smtp-password')).toMatchObject({ tenant: null, type: 'password' });
    // Never `unused`: Parameter Store records no read date.
    expect(parameters.every((l) => !(l.conditions as string[]).includes('unused'))).toBe(true);

    const table = await keywarden('stale', '--as-of', new Date((await latestStamp()).getTime() + 400 * DAY_MS).toISOString());
    expect(table.printed).toMatch(/^stale\s+\/multitenant-ai-poc\/tenant-1\/db-password\s+parameter\s+tenant-1\s+database/m);
  });

  it('keywarden report lists parameters with their kind in Markdown and counts them in the totals', async () => {
    await createSecrets([{ name: 'multitenant-ai-poc/tenant-1/orders-db-password' }]);
    await seedParameters();
    const dir = mkdtempSync(join(tmpdir(), 'kw-ssm-report-'));
    const asOf = new Date((await latestStamp()).getTime() + 400 * DAY_MS).toISOString();
    await keywarden('report', '--format', 'md', '--out', join(dir, 'r.md'), '--as-of', asOf);
    const text = readFileSync(join(dir, 'r.md'), 'utf8');
    expect(text).toContain('| \\/multitenant-ai-poc\\/tenant-1\\/db-password | 123456789012 | us-east-1 |  | parameter | tenant-1 | database | stale |'.replaceAll('\\/', '/'));
    expect(text).toContain('## Stale secrets (5)');
  });

  it('the built staleness bundle counts parameters in its metrics and sends a stale finding naming the parameter', async () => {
    const queue = await findingsQueue('ssm-staleness-findings');
    await seedParameters();
    // Parameters' LastModifiedDate is the local AWS's clock: now.
    const at = new Date(Date.now() + 400 * DAY_MS);
    const summary = await runScan(at);
    expect(summary).toMatchObject({ secrets: 4, listCalls: 2, statuses: { stale: 4 } });
    const [secrets, stale, tenant2] = await readMetrics([{ name: 'Secrets' }, { name: 'StaleSecrets' }, { name: 'StaleSecrets', dimensions: { Tenant: 'tenant-2' } }], at);
    expect([secrets, stale, tenant2]).toEqual([4, 4, 2]);
    const findings = await drainFindings(queue);
    const stalePartner = findings.find((f) => f.ruleId === 'staleness.stale' && f.secret?.name === '/multitenant-ai-poc/tenant-2/partner-api-key');
    expect(stalePartner).toMatchObject({ tenant: 'tenant-2' });
  });

  it('hygiene (opt-in by tag) reads a parameter\'s value and flags a placeholder, never printing it', async () => {
    const canary = 'changeme';
    await ssm.send(new PutParameterCommand({ Name: '/multitenant-ai-poc/tenant-1/stripe-api-key', Value: canary, Type: 'SecureString', Tags: [{ Key: 'keywarden:hygiene', Value: 'check' }] }));
    const at = new Date(Date.now() + 3_600_000);
    const { result, printed } = await captureOutput(() => runScan(at));
    expect(result!.hygiene).toMatchObject({ checked: 1, flagged: 1, skipped: 0 });
    expect(printed).not.toContain(canary);
  });
});
