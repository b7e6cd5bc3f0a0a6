import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import { fixedClock } from '../../../shared/clock';
import { UNREFRESHED_RULE } from '../../../shared/consumers/finding';
import { DEFAULT_CONSUMER_SETTINGS } from '../../../shared/consumers/settings';
import { MemoryFindingStateStore } from '../../../shared/staleness/finding-state';
import { inventoryOf, type SecretSummary } from '../../../shared/staleness/inventory';
import { runStalenessScan } from '../../../shared/staleness/scan';
import { normalised, readRecord, readsEvery, stageMoveRecord } from '../../support/consumer-trail';

const SECRET = 'multitenant-ai-poc/tenant-1/orders-db';
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`;
const CHANGE = new Date('2026-03-01T00:00:00Z');
const at = (minutes: number) => new Date(CHANGE.getTime() + minutes * 60_000);

const secret: SecretSummary = { arn: ARN, name: SECRET, tags: {}, rotationEnabled: true, lastRotatedDate: CHANGE, lastChangedDate: CHANGE, versions: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] } };

function scanner() {
  const audit = new MemoryAuditStore();
  const state = new MemoryFindingStateStore();
  const sent: Finding[] = [];
  const scan = (now: Date) =>
    runStalenessScan({
      inventory: inventoryOf([secret]),
      clock: fixedClock(now),
      metrics: { put: async (data) => ({ items: data.length, calls: 1 }) },
      findings: { publish: async (findings) => void sent.push(...findings) },
      state,
      settings: { hygiene: 'off' },
      consumers: { audit, settings: DEFAULT_CONSUMER_SETTINGS },
    });
  return { audit, state, sent, scan, consumerFindings: () => sent.filter((f) => f.ruleId === UNREFRESHED_RULE) };
}

describe('the freshness check in the hourly scan', () => {
  it('waits out each consumer\'s own interval, then names the one left behind, then resolves when it has read', async () => {
    const s = scanner();
    await s.audit.putNew(
      normalised([
        ...readsEvery(SECRET, 'payments-api', at(-120), at(0), 10),
        ...readsEvery(SECRET, 'batch-job', at(-120), at(0), 10),
        stageMoveRecord(SECRET, 'v2', at(0)),
        readRecord(SECRET, 'payments-api', at(5)),
      ]),
    );

    // 20 minutes after the change: within 3 × 10 minutes, nobody is behind yet.
    expect((await s.scan(at(20))).consumers).toMatchObject({ checked: 1, behind: 0, opened: 0 });
    expect(s.consumerFindings()).toEqual([]);

    // 60 minutes: batch-job is behind, and named; payments-api refreshed.
    expect((await s.scan(at(60))).consumers).toMatchObject({ behind: 1, opened: 1 });
    const [open] = s.consumerFindings();
    expect(open).toMatchObject({ status: 'open', source: 'staleness', evidence: { refreshed: 1, behind: 1, versionId: 'v2' } });
    expect((open!.evidence.consumers as Array<{ name: string }>).map((c) => c.name)).toEqual(['batch-job']);

    // The next hour, still behind: not sent again the same day, and the staleness rules leave it open.
    await s.scan(at(120));
    expect(s.consumerFindings()).toHaveLength(1);
    expect([...s.state.records.values()].map((r) => r.ruleId)).toEqual([UNREFRESHED_RULE]);

    // batch-job reads the current version: the finding resolves, same dedup key.
    await s.audit.putNew(normalised([readRecord(SECRET, 'batch-job', at(130))]));
    expect((await s.scan(at(180))).consumers).toMatchObject({ resolved: 1 });
    const resolved = s.consumerFindings()[1]!;
    expect(resolved).toMatchObject({ status: 'resolved', dedupKey: open!.dedupKey });
    expect(s.state.records.size).toBe(0);
  });

  it('stops watching a version once the window has passed, resolving what was open', async () => {
    const s = scanner();
    await s.audit.putNew(normalised([...readsEvery(SECRET, 'batch-job', at(-60), at(0), 10), stageMoveRecord(SECRET, 'v2', at(0))]));
    await s.scan(at(60));
    expect(s.consumerFindings()).toHaveLength(1);
    await s.scan(at(8 * 24 * 60));
    expect(s.consumerFindings()[1]).toMatchObject({ status: 'resolved', evidence: { reason: expect.stringContaining('watch ended') } });
  });

  it('reads the audit table at most twice per secret checked', async () => {
    const s = scanner();
    await s.audit.putNew(normalised([...readsEvery(SECRET, 'batch-job', at(-60), at(0), 10), stageMoveRecord(SECRET, 'v2', at(0))]));
    const summary = await s.scan(at(60));
    expect(summary.consumers!.queries).toBeLessThanOrEqual(2);
    expect(summary.consumers!.queries).toBeGreaterThanOrEqual(1);
  });
});
