import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { fixedClock } from '../../../shared/clock';
import { forgetSecrets } from '../../../shared/redact';
import { MemoryFindingStateStore } from '../../../shared/staleness/finding-state';
import { inventoryOf, type SecretSummary } from '../../../shared/staleness/inventory';
import type { MetricDatum } from '../../../shared/staleness/metrics-sink';
import { runStalenessScan, type StalenessScanDeps } from '../../../shared/staleness/scan';
import { daysAgo, NOW, summary } from '../../support/staleness-summaries';

afterEach(() => forgetSecrets());

function deps(secrets: SecretSummary[], values: Record<string, string> = {}, hygiene: 'off' | 'tagged' | 'all' = 'off') {
  const sent: Finding[] = [];
  const metrics: MetricDatum[][] = [];
  const state = new MemoryFindingStateStore();
  const reads: string[] = [];
  const d: StalenessScanDeps = {
    inventory: inventoryOf(secrets),
    clock: fixedClock(NOW),
    metrics: {
      put: async (data) => {
        metrics.push([...data]);
        return { items: data.length, calls: 1 };
      },
    },
    findings: { publish: async (findings) => void sent.push(...findings) },
    state,
    values: {
      readCurrent: async (arn) => {
        reads.push(arn);
        return values[arn];
      },
    },
    settings: { hygiene },
  };
  return { d, sent, metrics, state, reads };
}

describe('runStalenessScan', () => {
  const inventory = Array.from({ length: 250 }, (_, i) =>
    summary({ name: `acme/tenant-${i % 3}/db-password-${i}`, age: i % 2 ? 100 : 10, lastAccessedDate: daysAgo(1), rotationEnabled: true }),
  );

  it('lists every page, sends the metrics in one put and one finding per stale secret', async () => {
    const { d, sent, metrics, state } = deps(inventory);
    const summaryOut = await runStalenessScan(d);
    expect(summaryOut).toMatchObject({ asOf: NOW.toISOString(), secrets: 250, listCalls: 3, statuses: { stale: 125, ok: 125 } });
    expect(summaryOut.overall).toMatchObject({ secrets: 250, stale: 125, complianceScore: 50 });
    expect(summaryOut.findings).toMatchObject({ opened: 125, sent: 125 });
    expect(summaryOut.hygiene).toEqual({ mode: 'off', checked: 0, flagged: 0, skipped: 0 });
    expect(metrics).toHaveLength(1);
    expect(sent).toHaveLength(125);
    expect(state.records.size).toBe(125);

    const again = await runStalenessScan(d);
    expect(again.findings).toMatchObject({ opened: 0, alreadySentToday: 125, sent: 0 });
  });

  it('reads values only for secrets that opted in, and keeps them out of everything it returns or sends', async () => {
    const canary = 'your-canary-51e0c7-here';
    const tagged = summary({ name: 'acme/tenant-1/api-key', tags: { 'keywarden:hygiene': 'check' }, rotationEnabled: true, lastAccessedDate: NOW });
    const untagged = summary({ name: 'acme/tenant-1/other-key', rotationEnabled: true, lastAccessedDate: NOW });
    const { d, sent, metrics, reads } = deps([tagged, untagged], { [tagged.arn]: canary, [untagged.arn]: canary }, 'tagged');
    const out = await runStalenessScan(d);
    expect(reads).toEqual([tagged.arn]);
    expect(out.hygiene).toEqual({ mode: 'tagged', checked: 1, flagged: 1, skipped: 0 });
    expect(sent.map((f) => f.ruleId)).toEqual(['staleness.weak-value']);
    expect(sent[0]!.evidence).toMatchObject({ issues: [{ field: '(value)', reason: 'placeholder' }] });
    expect(metrics[0]!.find((m) => m.name === 'WeakValueSecrets' && Object.keys(m.dimensions).length === 0)?.value).toBe(1);
    for (const text of [JSON.stringify(out), JSON.stringify(sent), JSON.stringify(metrics)]) expect(text).not.toContain('canary');
  });

  it('attack: a canary planted as a key and as a value of a checked secret -> in no finding, summary or metric', async () => {
    const canary = 'CANARY-9c1e55d2a7';
    const tagged = summary({ name: 'acme/tenant-1/api-key', tags: { 'keywarden:hygiene': 'check' }, rotationEnabled: true, lastAccessedDate: NOW });
    const value = JSON.stringify({ [canary]: 'changeme', token: `your-${canary}-here` });
    const { d, sent, metrics } = deps([tagged], { [tagged.arn]: value }, 'tagged');
    const out = await runStalenessScan(d);
    expect(sent[0]!.evidence).toMatchObject({ issues: [{ field: 'token', reason: 'placeholder' }] });
    for (const text of [JSON.stringify(out), JSON.stringify(sent), JSON.stringify(metrics)]) expect(text).not.toContain('CANARY');
  });

  it('still sends findings when the metrics fail, then fails with both stories', async () => {
    const { d, sent } = deps(inventory.slice(0, 2));
    d.metrics = {
      put: async () => {
        throw new Error('throttled');
      },
    };
    await expect(runStalenessScan(d)).rejects.toThrow(/staleness scan could not finish: throttled/);
    expect(sent).toHaveLength(1);
  });

  it('sends no finding and changes no state when the listing fails midway', async () => {
    const { d, sent, state } = deps([]);
    d.inventory = {
      async *pages() {
        yield inventory.slice(0, 100);
        throw new Error('ListSecrets failed');
      },
    };
    await expect(runStalenessScan(d)).rejects.toThrow(/ListSecrets failed/);
    expect(sent).toHaveLength(0);
    expect(state.records.size).toBe(0);
  });
});
