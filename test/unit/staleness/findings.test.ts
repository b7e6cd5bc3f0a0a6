import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../../shared/finding';
import { assessSecret, type SecretAssessment } from '../../../shared/staleness/assess';
import { MemoryFindingStateStore } from '../../../shared/staleness/finding-state';
import { planFindings, problemsOf, stalenessDedupKey, utcDay, type ActiveProblem } from '../../../shared/staleness/findings';
import { NOW, summary } from '../../support/staleness-summaries';

const HOUR = 3_600_000;
const staleSecret = summary({ name: 'acme/tenant-1/db-password', age: 120, lastAccessedDate: NOW });
const at = (ms: number) => new Date(NOW.getTime() + ms);

function scan(assessments: SecretAssessment[], store: MemoryFindingStateStore, now: Date, hygiene = new Map<string, ActiveProblem['hygiene']>()) {
  const active = assessments.flatMap((a) => problemsOf(a, hygiene.get(a.arn)));
  return store.loadAll().then(async (open) => {
    const plan = planFindings(active, open, { now, listed: new Set(assessments.map((a) => a.arn)), hygieneChecked: new Set(hygiene.keys()) });
    await store.saveAll(plan.save);
    await store.deleteAll(plan.remove);
    return plan;
  });
}

describe('planFindings: once per secret and rule per day', () => {
  it('opens a finding, stays quiet the same day, sends it again the next day', async () => {
    const store = new MemoryFindingStateStore();
    const first = await scan([assessSecret(staleSecret, NOW)], store, NOW);
    expect(first.publish).toHaveLength(1);
    expect(first.counts).toMatchObject({ opened: 1, repeated: 0, alreadySentToday: 0 });
    const finding = parseFinding(first.publish[0]);
    expect(finding).toMatchObject({
      ruleId: 'staleness.stale',
      status: 'open',
      source: 'staleness',
      tenant: 'tenant-1',
      secret: { name: 'acme/tenant-1/db-password', arn: staleSecret.arn },
      dedupKey: stalenessDedupKey('staleness.stale', staleSecret.arn),
      id: `${stalenessDedupKey('staleness.stale', staleSecret.arn)}/${utcDay(NOW)}`,
    });
    expect(finding.evidence).toMatchObject({ ageDays: 120, maxAgeDays: 90, policySource: 'default', type: 'database' });

    for (const hours of [1, 5, 11]) {
      const later = await scan([assessSecret(staleSecret, at(hours * HOUR))], store, at(hours * HOUR));
      expect(later.publish).toHaveLength(0);
      expect(later.counts.alreadySentToday).toBe(1);
    }

    const nextDay = await scan([assessSecret(staleSecret, at(24 * HOUR))], store, at(24 * HOUR));
    expect(nextDay.publish).toHaveLength(1);
    expect(nextDay.counts).toMatchObject({ opened: 0, repeated: 1 });
    expect(nextDay.publish[0]!.dedupKey).toBe(first.publish[0]!.dedupKey);
    expect(nextDay.publish[0]!.id).not.toBe(first.publish[0]!.id);
    expect(store.records.get(first.publish[0]!.dedupKey)!.openedAt).toBe(NOW.toISOString());
  });

  it('resolves with the same dedup key when the secret is fine again', async () => {
    const store = new MemoryFindingStateStore();
    const opened = await scan([assessSecret(staleSecret, NOW)], store, NOW);
    const rotated = { ...staleSecret, lastRotatedDate: at(HOUR) };
    const fixed = await scan([assessSecret(rotated, at(2 * HOUR))], store, at(2 * HOUR));
    expect(fixed.counts.resolved).toBe(1);
    // Same key and same severity as the open finding: routed to the same channels, it closes the same incident.
    expect(parseFinding(fixed.publish[0])).toMatchObject({ status: 'resolved', dedupKey: opened.publish[0]!.dedupKey, ruleId: 'staleness.stale', severity: opened.publish[0]!.severity });
    expect(store.records.size).toBe(0);
    expect((await scan([assessSecret(rotated, at(3 * HOUR))], store, at(3 * HOUR))).publish).toHaveLength(0);
  });

  it('resolves the findings of a secret that is no longer listed', async () => {
    const store = new MemoryFindingStateStore();
    await scan([assessSecret(staleSecret, NOW)], store, NOW);
    const gone = await scan([], store, at(HOUR));
    expect(gone.publish[0]).toMatchObject({ status: 'resolved', evidence: { reason: 'secret deleted or scheduled for deletion' } });
  });

  it('sends one finding per rule: stale, unused and failing rotation are separate problems', async () => {
    const store = new MemoryFindingStateStore();
    const bad = summary({ age: 120, rotationEnabled: true, nextRotationDate: new Date(NOW.getTime() - 30 * 86_400_000) });
    const plan = await scan([assessSecret(bad, NOW)], store, NOW);
    expect(plan.publish.map((f) => f.ruleId).sort()).toEqual(['staleness.rotation-failing', 'staleness.stale', 'staleness.unused']);
    expect(new Set(plan.publish.map((f) => f.dedupKey)).size).toBe(3);
    expect(plan.publish.find((f) => f.ruleId === 'staleness.rotation-failing')!.severity).toBe('high');
    for (const finding of plan.publish) parseFinding(finding);
  });

  it('keeps a weak-value finding open while the value was not read again, and resolves it once it reads clean', async () => {
    const store = new MemoryFindingStateStore();
    const fresh = summary({ age: 1, lastAccessedDate: NOW, rotationEnabled: true });
    const a = assessSecret(fresh, NOW);
    const weak = new Map([[fresh.arn, [{ field: 'password', reason: 'placeholder' as const }]]]);
    const opened = await scan([a], store, NOW, weak);
    expect(opened.publish[0]).toMatchObject({ ruleId: 'staleness.weak-value', evidence: { issues: [{ field: 'password', reason: 'placeholder' }] } });
    expect((await scan([a], store, at(HOUR))).counts.resolved).toBe(0);
    const clean = await scan([a], store, at(2 * HOUR), new Map([[fresh.arn, []]]));
    expect(clean.counts.resolved).toBe(1);
  });
});
