import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { captureOutput, jsonLines } from '../support/capture-output';
import { inventoryPlan, PLAN_POLICIES } from '../support/staleness-inventory-plan';
import { createSecrets, DAY_MS, latestStamp, stalenessEnv } from '../support/local-staleness-scan';

/**
 * `keywarden stale` and `keywarden report` against the local AWS (AWS_ENDPOINT_URL points the
 * CLI at this run's moto, as `--local` does for the `keywarden local up` one).
 */

const keywarden = (...args: string[]) => captureOutput(() => main(['node', 'keywarden', ...args]));

beforeEach(() => stalenessEnv(PLAN_POLICIES));

describe('keywarden stale', () => {
  it('prints one JSON line per secret with its name and status, and forecasts with --as-of', async () => {
    const plan = inventoryPlan(120, 60, 'cli');
    await createSecrets(plan);
    const stamp = await latestStamp();

    const today = await keywarden('stale', '--json');
    expect(today.result).toBe(0);
    const now = jsonLines(today.printed).filter((l) => 'name' in l);
    expect(now).toHaveLength(plan.length);
    // Just created: nothing is stale or unused yet.
    expect(now.filter((l) => l.status === 'stale' || l.status === 'unused')).toEqual([]);

    const asOf = new Date(stamp.getTime() + 60 * DAY_MS).toISOString();
    const forecast = await keywarden('stale', '--json', '--as-of', asOf);
    const lines = jsonLines(forecast.printed).filter((l) => 'name' in l);
    const byName = new Map(lines.map((l) => [l.name as string, l]));
    for (const entry of plan) {
      const line = byName.get(entry.name)!;
      expect(line, entry.name).toMatchObject({ status: entry.expected.status, type: entry.type, maxAgeDays: entry.maxAgeDays, asOf });
      expect(line.becomesStale).toBe(entry.expected.stale);
    }
    expect(forecast.printed).toMatch(/120 secrets as of .* \(3 list calls: ListSecrets and DescribeParameters\): \d+ stale/);
    expect(forecast.printed).toMatch(/\d+ more will be stale by then/);
  });

  it('prints a table, most urgent first, and filters by status, tenant and type', async () => {
    const plan = inventoryPlan(60, 60, 'cli');
    await createSecrets(plan);
    const asOf = new Date((await latestStamp()).getTime() + 60 * DAY_MS).toISOString();
    const table = await keywarden('stale', '--as-of', asOf);
    const rows = table.printed.split('\n').filter((l) => /^(STATUS|rotation-|stale|unused|due-soon|ok)\b/.test(l));
    expect(rows[0]).toMatch(/^STATUS\s+SECRET\s+KIND\s+TENANT\s+TYPE\s+AGE\s+MAX\s+NOW\s+NOTES$/);
    expect(rows).toHaveLength(plan.length + 1);
    expect(rows[1]).toMatch(/^rotation-failing /);
    expect(rows.at(-1)).toMatch(/^(ok|rotation-disabled) /);

    const dueSoon = jsonLines((await keywarden('stale', '--json', '--as-of', asOf, '--status', 'due-soon,stale', '--tenant', 'tenant-3')).printed).filter((l) => 'name' in l);
    const wanted = plan.filter((e) => ['due-soon', 'stale'].includes(e.expected.status) && e.tenant === 'tenant-3').map((e) => e.name).sort();
    expect(wanted.length).toBeGreaterThan(0);
    expect(dueSoon.map((l) => l.name).sort()).toEqual(wanted);
    const jwt = jsonLines((await keywarden('stale', '--json', '--type', 'jwt-signing-key')).printed).filter((l) => 'name' in l);
    expect(jwt.length).toBe(plan.filter((e) => e.type === 'jwt-signing-key').length);
  });

  it('refuses bad options with exit code 2 and says what is wrong', async () => {
    const badDate = await keywarden('stale', '--as-of', 'next week');
    expect(badDate.result).toBe(2);
    expect(badDate.printed).toContain('--as-of takes a date (2025-03-01) or an ISO 8601 date-time');
    const badStatus = await keywarden('stale', '--status', 'stale,rotten');
    expect(badStatus.result).toBe(2);
    expect(badStatus.printed).toContain('unknown status "rotten"');
    const badFormat = await keywarden('report', '--format', 'pdf');
    expect(badFormat.result).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'kw-policies-'));
    const badPolicies = await keywarden('stale', '--policies', join(dir, 'missing.json'));
    expect(badPolicies.result).toBe(2);
    expect(badPolicies.printed).toMatch(/cannot read --policies file/);
  });
});

describe('keywarden report', () => {
  it('writes Markdown and JSON reports with the inventory figures', async () => {
    const plan = inventoryPlan(90, 60, 'cli');
    await createSecrets(plan);
    const asOf = new Date((await latestStamp()).getTime() + 60 * DAY_MS).toISOString();
    const dir = mkdtempSync(join(tmpdir(), 'kw-report-'));

    const md = await keywarden('report', '--format', 'md', '--out', join(dir, 'r.md'), '--as-of', asOf);
    expect(md.result).toBe(0);
    expect(md.printed).toMatch(/wrote the md report to .*r\.md: 90 secrets, compliance \d+\.\d%/);
    const text = readFileSync(join(dir, 'r.md'), 'utf8');
    const stale = plan.filter((e) => e.expected.stale).length;
    expect(text).toContain(`## Stale secrets (${stale})`);
    expect(text).toContain('## By tenant and type');

    const json = await keywarden('report', '--format', 'json', '--out', join(dir, 'r.json'), '--as-of', asOf, '--json');
    const [written] = jsonLines(json.printed);
    expect(written).toMatchObject({ format: 'json', listCalls: 2, totals: { secrets: 90, stale } });
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.unused.total).toBe(plan.filter((e) => e.expected.unused).length);
  });
});
