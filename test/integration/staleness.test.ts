import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { invokeBundle } from '../../cli/bundles';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { secretsManager } from '../../shared/aws/clients';
import { parseFinding, type Finding } from '../../shared/finding';
import { playRotation } from '../../shared/rotation/driver';
import type { ComplianceReport } from '../../shared/staleness/report';
import { captureOutput } from '../support/capture-output';
import { expectedFigures, inventoryPlan, PLAN_POLICIES, SCOPES, type PlanEntry } from '../support/staleness-inventory-plan';
import { createSecrets, DAY_MS, drainFindings, findingsQueue, latestStamp, readMetrics, runScan, stalenessEnv } from '../support/local-staleness-scan';

/**
 * The staleness function end to end, through its BUILT bundle, against the local AWS: Secrets
 * Manager (the inventory), CloudWatch (metrics read back), DynamoDB (open findings), EventBridge
 * to SQS (findings).
 *
 * Ages: moto stamps CreatedDate, LastChangedDate and LastRotatedDate with the real time and has
 * no way to set them (in server mode it offers no time travel). So the scan's clock, which is
 * the scheduled event's `time`, is set relative to those stamps: "60 days after the latest
 * stamp" makes every secret of the inventory 60 days old (to within the minute it took to
 * create them), and the statuses differ through the policies (type, tenant, tag), the rotation
 * set-up and the unused threshold, not through different ages.
 */

const AGE_DAYS = 60;
// Big enough for every status (the rarest, unused, 11 times), six ListSecrets pages, each policy
// override met 11 times or more (a scope and kind recur every 54 secrets) and about 60 secrets
// with findings; the 10,000-secret scale (time, calls, memory) is measured by `npm run bench --
// staleness`. KEYWARDEN_STALENESS_TEST_SECRETS (a multiple of 100) runs it at another size.
const COUNT = Number(process.env.KEYWARDEN_STALENESS_TEST_SECRETS ?? 600);

beforeEach(() => stalenessEnv(PLAN_POLICIES));

const byRule = (findings: Finding[]) => {
  const out: Record<string, string[]> = {};
  for (const f of findings) (out[`${f.ruleId}:${f.status}`] ??= []).push(f.secret!.name!);
  for (const names of Object.values(out)) names.sort();
  return out;
};
const names = (entries: PlanEntry[], pick: (e: PlanEntry) => boolean) => entries.filter(pick).map((e) => e.name).sort();

describe(`the staleness scan over ${COUNT.toLocaleString('en')} secrets`, () => {
  it(
    'assesses every secret, publishes the figures, sends findings once a day and agrees with the report',
    async () => {
      const plan = inventoryPlan(COUNT, AGE_DAYS);
      await timed(`creating ${COUNT} secrets`, () => createSecrets(plan));
      const queue = await findingsQueue();
      const asOf = new Date((await latestStamp()).getTime() + AGE_DAYS * DAY_MS);

      // First scan: every status as planned.
      const first = await timed('first scan', () => runScan(asOf));
      const expected = expectedFigures(plan);
      expect(first.secrets).toBe(COUNT);
      // One DescribeParameters page besides: no parameter under the default prefix.
      expect(first.listCalls).toBe(COUNT / 100 + 1);
      const statusCounts: Record<string, number> = {};
      for (const e of plan) statusCounts[e.expected.status] = (statusCounts[e.expected.status] ?? 0) + 1;
      expect(Object.fromEntries(Object.entries(first.statuses).filter(([, n]) => n > 0))).toEqual(statusCounts);
      for (const status of ['ok', 'due-soon', 'stale', 'unused', 'rotation-disabled', 'rotation-failing']) expect(statusCounts[status], status).toBeGreaterThan(COUNT / 100);
      expect(first.overall).toMatchObject({
        secrets: expected.Secrets,
        stale: expected.StaleSecrets,
        dueSoon: expected.DueSoonSecrets,
        unused: expected.UnusedSecrets,
        rotationDisabled: expected.RotationDisabledSecrets,
        rotationFailing: expected.RotationFailingSecrets,
      });
      expect(first.metrics.calls).toBe(1);

      // Metrics, read back from CloudWatch: overall, by tenant, by type.
      const groups: Array<{ dimensions: Record<string, string>; entries: PlanEntry[] }> = [
        { dimensions: {}, entries: plan },
        ...SCOPES.map((scope) => {
          const tenant = scope === 'shared' ? 'no-tenant' : scope;
          return { dimensions: { Tenant: tenant }, entries: plan.filter((e) => e.tenant === tenant) };
        }),
        ...[...new Set(plan.map((e) => e.type))].map((type) => ({ dimensions: { SecretType: type }, entries: plan.filter((e) => e.type === type) })),
      ];
      // moto answers a query without dimensions with every series of that name (CloudWatch would
      // answer only the dimensionless one), so the overall figures are read as their Maximum:
      // for a count that is the overall count itself, which no tenant or type exceeds. The
      // overall compliance score cannot be read that way; the summary and the report carry it.
      const figures = (g: (typeof groups)[number]) =>
        Object.entries(expectedFigures(g.entries)).filter(([name]) => Object.keys(g.dimensions).length > 0 || name !== 'ComplianceScore');
      const queries = groups.flatMap((g) => figures(g).map(([name]) => ({ name, dimensions: g.dimensions })));
      const read = await readMetrics([...queries, ...groups.map((g) => ({ name: 'OldestSecretAgeDays', dimensions: g.dimensions }))], asOf);
      expect(read.slice(0, queries.length)).toEqual(groups.flatMap((g) => figures(g).map(([, value]) => value)));
      expect(first.overall.complianceScore).toBeCloseTo(expected.ComplianceScore, 2);
      for (const oldest of read.slice(queries.length)) {
        expect(oldest).toBeGreaterThanOrEqual(AGE_DAYS);
        expect(oldest).toBeLessThan(AGE_DAYS + 0.1);
      }

      // Findings: one per stale, unused and failing secret.
      const wantFindings = {
        'staleness.rotation-failing:open': names(plan, (e) => e.expected.rotationFailing),
        'staleness.stale:open': names(plan, (e) => e.expected.stale),
        'staleness.unused:open': names(plan, (e) => e.expected.unused),
      };
      const firstFindings = await timed('reading the findings', () => drainFindings(queue));
      for (const finding of firstFindings) parseFinding(finding);
      expect(byRule(firstFindings)).toEqual(wantFindings);
      expect(new Set(firstFindings.map((f) => f.dedupKey)).size).toBe(firstFindings.length);

      // An hour later, the same day: nothing new.
      const second = await timed('second scan', () => runScan(new Date(asOf.getTime() + 3_600_000)));
      expect(second.findings).toMatchObject({ sent: 0, opened: 0, alreadySentToday: firstFindings.length });
      expect(await drainFindings(queue)).toEqual([]);

      // The next day: each again, under the same dedup keys.
      const third = await timed('next-day scan', () => runScan(new Date(asOf.getTime() + DAY_MS)));
      expect(third.findings).toMatchObject({ sent: firstFindings.length, repeated: firstFindings.length, opened: 0 });
      const nextDay = await drainFindings(queue);
      expect(byRule(nextDay)).toEqual(wantFindings);
      expect(new Set(nextDay.map((f) => f.dedupKey))).toEqual(new Set(firstFindings.map((f) => f.dedupKey)));

      // The report of the same inventory at the same instant carries the same figures.
      const report = await timed('keywarden report', () => reportJson(asOf));
      expect(report.totals).toMatchObject({
        secrets: expected.Secrets,
        stale: expected.StaleSecrets,
        dueSoon: expected.DueSoonSecrets,
        unused: expected.UnusedSecrets,
        rotationDisabled: expected.RotationDisabledSecrets,
        rotationFailing: expected.RotationFailingSecrets,
      });
      expect(Math.round(report.totals.complianceScore * 100) / 100).toBe(expected.ComplianceScore);
      for (const row of report.byTenant) {
        const entries = plan.filter((e) => e.tenant === row.tenant);
        const f = expectedFigures(entries);
        expect([row.secrets, row.stale, row.unused, row.rotationFailing, row.dueSoon], row.tenant).toEqual([f.Secrets, f.StaleSecrets, f.UnusedSecrets, f.RotationFailingSecrets, f.DueSoonSecrets]);
      }
      expect(report.stale.total).toBe(expected.StaleSecrets);
      expect(report.failing.total).toBe(expected.RotationFailingSecrets);
      expect(report.unused.total).toBe(expected.UnusedSecrets);
    },
    // Ten minutes on a busy 2-core machine (moto is single-threaded Python); a few on a quiet one.
    1_800_000,
  );
});

describe('findings for one secret', () => {
  it('resolves a stale secret once it is rotated, under the same dedup key', async () => {
    const queue = await findingsQueue();
    const [arn] = (await createSecrets([{ name: 'acme/tenant-1/session-password', tags: { 'keywarden:strategy': 'password', 'keywarden:max-age-days': '30' }, rotation: { kind: 'schedule', days: 30 } }])).values();
    const created = await latestStamp();

    // 31 days on, it is stale (and its scheduled rotation overdue).
    const staleAt = new Date(created.getTime() + 31 * DAY_MS);
    const stale = await runScan(staleAt);
    expect(stale.statuses['rotation-failing']).toBe(1);
    const opened = await drainFindings(queue);
    expect(opened.map((f) => `${f.ruleId}:${f.status}`).sort()).toEqual(['staleness.rotation-failing:open', 'staleness.stale:open']);

    // Rotate it through the built rotate bundle, as `keywarden rotate --local` does.
    const rotation = await playRotation(arn!, { start: rotateSecretStarter(secretsManager(), 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    expect(rotation.ok, JSON.stringify(rotation.steps)).toBe(true);

    // moto stamps the rotation with the real time, so "the day after the rotation" is the
    // rotation's own stamp plus a day: earlier than the stale scan's clock, but the first
    // instant at which the rotated secret can be seen as it really is.
    const dayAfter = new Date((await latestStamp()).getTime() + DAY_MS);
    const fixed = await runScan(dayAfter);
    expect(fixed.statuses.ok).toBe(1);
    expect(fixed.findings).toMatchObject({ resolved: 2 });
    const resolved = await drainFindings(queue);
    expect(resolved.map((f) => f.status)).toEqual(['resolved', 'resolved']);
    expect(new Set(resolved.map((f) => f.dedupKey))).toEqual(new Set(opened.map((f) => f.dedupKey)));
    expect(resolved.map((f) => f.severity).sort()).toEqual(opened.map((f) => f.severity).sort());

    // Nothing more to say about it.
    await runScan(new Date(dayAfter.getTime() + 3_600_000));
    expect(await drainFindings(queue)).toEqual([]);
  });

  it('finishing a stuck rotation resolves its rotation-failing finding', async () => {
    const queue = await findingsQueue();
    const [arn] = (await createSecrets([{ name: 'acme/tenant-2/partner-api-key', tags: { 'keywarden:strategy': 'api-key' }, rotation: { kind: 'stuck' } }])).values();
    const created = await latestStamp();
    await runScan(new Date(created.getTime() + 2 * 3_600_000));
    expect((await drainFindings(queue)).map((f) => f.ruleId)).toEqual(['staleness.rotation-failing']);
    const listed = await secretsManager().send(new ListSecretsCommand({}));
    const pending = Object.entries(listed.SecretList![0]!.SecretVersionsToStages!).find(([, stages]) => stages.includes('AWSPENDING'))![0];
    // `keywarden rotate` resumes the unfinished rotation with its token.
    const resumed = await playRotation(arn!, { start: async () => undefined, token: pending, invoke: async (event) => void (await invokeBundle('rotate', event)) });
    expect(resumed.ok, JSON.stringify(resumed.steps)).toBe(true);
    await runScan(new Date((await latestStamp()).getTime() + 3_600_000));
    expect((await drainFindings(queue)).map((f) => `${f.ruleId}:${f.status}`)).toEqual(['staleness.rotation-failing:resolved']);
  });
});

describe('the staleness bundle', () => {
  it('refuses a malformed event with what was wrong, and sends nothing', async () => {
    const queue = await findingsQueue();
    await createSecrets([{ name: 'acme/tenant-1/orders-db-password' }]);
    const { error, printed } = await captureOutput(() => invokeBundle('staleness', { time: 'last tuesday' }));
    expect((error as Error).name).toBe('InvalidRequestError');
    expect((error as Error).message).toMatch(/time must be an ISO 8601 date-time/);
    expect(printed).toMatch(/staleness scan failed/);
    expect(await drainFindings(queue)).toEqual([]);
  });

  it('hygiene (opt-in by tag): flags a placeholder by name and reason, and the value appears nowhere', async () => {
    const canary = 'your-canary-5d1e77b0-here';
    const queue = await findingsQueue();
    await createSecrets([
      { name: 'acme/tenant-1/stripe-api-key', value: canary, tags: { 'keywarden:hygiene': 'check' } },
      { name: 'acme/tenant-1/smtp-password', value: JSON.stringify({ username: 'mailer', password: canary }), tags: { 'keywarden:hygiene': 'check' } },
      { name: 'acme/tenant-1/not-opted-in', value: canary },
    ]);
    const asOf = new Date((await latestStamp()).getTime() + 3_600_000);
    const { result, printed } = await captureOutput(() => runScan(asOf));
    expect(result!.hygiene).toEqual({ mode: 'tagged', checked: 2, flagged: 2, skipped: 0 });
    const findings = await drainFindings(queue);
    const weak = findings.filter((f) => f.ruleId === 'staleness.weak-value');
    expect(weak.map((f) => [f.secret!.name, f.evidence.issues]).sort()).toEqual([
      ['acme/tenant-1/smtp-password', [{ field: 'password', reason: 'placeholder' }]],
      ['acme/tenant-1/stripe-api-key', [{ field: '(value)', reason: 'placeholder' }]],
    ]);
    const metrics = await readMetrics([{ name: 'WeakValueSecrets' }, { name: 'WeakValueSecrets', dimensions: { Tenant: 'tenant-1' } }], asOf);
    expect(metrics).toEqual([2, 2]);
    const cli = await captureOutput(() => main(['node', 'keywarden', 'stale', '--json', '--hygiene']));
    expect(cli.result).toBe(0);
    for (const text of [printed, JSON.stringify(result), JSON.stringify(findings), cli.printed]) expect(text).not.toContain('canary');
    expect(cli.printed).toContain('"reason":"placeholder"');
  });
});

/** `keywarden report --format json` of the same inventory, as a person would run it. */
/** Runs a phase and notes how long it took (the inventory is big; CI logs show where time goes). */
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const began = Date.now();
  const result = await fn();
  console.error(`[staleness] ${what}: ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return result;
}

async function reportJson(asOf: Date): Promise<ComplianceReport> {
  const file = join(mkdtempSync(join(tmpdir(), 'kw-report-')), 'report.json');
  const { result } = await captureOutput(() => main(['node', 'keywarden', 'report', '--format', 'json', '--as-of', asOf.toISOString(), '--out', file]));
  expect(result).toBe(0);
  return JSON.parse(readFileSync(file, 'utf8')) as ComplianceReport;
}
