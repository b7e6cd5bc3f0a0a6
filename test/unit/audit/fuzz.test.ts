import { describe, expect, it } from 'vitest';
import { normaliseCloudTrail } from '../../../shared/audit/normalise';
import { memoryPipeline } from '../../support/memory-audit-pipeline';
import { envelope } from '../../support/cloudtrail-records';
import { prng } from '../../support/prng';
import { fieldPaths, fuzzSeeds, runAuditFuzz } from '../../support/audit-fuzz';

const ODD_VALUES: unknown[] = [null, 0, -1, 1e308, true, false, '', ' ', 'x'.repeat(70_000), '\u0000\ud800', [], [null], {}, { __proto__: { polluted: true } }, [[[[[]]]]], 'arn:aws:secretsmanager:::secret:', '2024-13-45T99:99:99Z', Number.NaN];

function mutate(value: unknown, random: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const paths = fieldPaths(copy);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits && paths.length > 0; e += 1) {
    const [parent, key] = paths[Math.floor(random() * paths.length)]!;
    const roll = random();
    if (roll < 0.3) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string, unknown>)[key as string] = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
  }
  return copy;
}

describe('fuzzed CloudTrail records', () => {
  const all = fuzzSeeds();

  it('are each read or refused with a reason; nothing throws', () => {
    const random = prng(20240501);
    const kinds = { record: 0, skipped: 0, unreadable: 0 };
    for (let i = 0; i < 5000; i += 1) {
      const seed = all[Math.floor(random() * all.length)]!;
      const roll = random();
      let input: unknown;
      if (roll < 0.7) input = mutate(envelope(seed), random);
      else if (roll < 0.85) input = JSON.stringify(envelope(seed)).slice(0, Math.floor(random() * 400));
      else input = Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))).toString('latin1');
      const result = normaliseCloudTrail(input);
      kinds[result.kind] += 1;
      if (result.kind === 'record') {
        expect(typeof result.record.eventId).toBe('string');
        expect(result.record.time).toMatch(/^2\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(typeof result.record.principal.key).toBe('string');
        expect(Array.isArray(result.record.secrets)).toBe(true);
      } else {
        expect(result.reason.length).toBeGreaterThan(0);
        expect(result.reason.length).toBeLessThan(200);
        // Every oddity is named by the reader itself, not caught as an unexpected exception.
        expect(result.reason).not.toMatch(/^could not be read/);
      }
    }
    // The mutations must exercise every outcome, or the test proves little.
    expect(kinds.record).toBeGreaterThan(500);
    expect(kinds.unreadable).toBeGreaterThan(500);
  });

  it('go to the dead-letter sink with their reasons while the rest of the batch is stored', async () => {
    const random = prng(7);
    const pipeline = memoryPipeline();
    const valid = all.slice(0, 40).map((r, i) => envelope({ ...r, eventID: `valid-${i}` }));
    const broken = Array.from({ length: 200 }, () => JSON.stringify(envelope(all[Math.floor(random() * all.length)]!)).slice(0, 30 + Math.floor(random() * 200)));
    const mixed = [...valid, ...broken].sort(() => random() - 0.5);
    const result = await pipeline.run(mixed);
    expect(result.error).toBeUndefined();
    expect(result.rejected).toHaveLength(200);
    expect(pipeline.deadLettered.map((r) => r.reason)).toEqual(result.rejected.map((r) => r.reason));
    expect(new Set(result.rejected.map((r) => r.reason))).toEqual(new Set(['not JSON']));
    expect(result.failedIds).toEqual([]);
    expect(result.stored).toBe(40);
  });

  it('attack: 5,000 hostile messages (oversized, wrong types, control characters, unicode, deep nesting) through the whole use case -> no crash, no retry, every limit kept, every unreadable one dead-lettered with a reason', async () => {
    const run = await runAuditFuzz(5000, 20261203);
    expect(run.errors).toEqual([]);
    expect(run.retried).toBe(0);
    expect(run.violations).toEqual([]);
    expect(run.unaccounted).toBe(0);
    for (const dead of run.deadLettered) {
      expect(dead.reason.length).toBeGreaterThan(0);
      expect(dead.reason.length).toBeLessThan(300);
    }
    // The mutations must exercise every outcome, or the run proves little.
    expect(run.stored).toBeGreaterThan(1000);
    expect(run.deadLettered.length).toBeGreaterThan(1000);
    expect(run.findings).toBeGreaterThan(10);
    // A long test by design (about 10 s of CPU on the shared machine); the bigger run is bench/audit-fuzz.ts.
  }, 90_000);
});
