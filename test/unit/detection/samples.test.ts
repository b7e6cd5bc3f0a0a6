import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../../shared/finding';
import { detectorsByName } from '../../../shared/detection/detectors';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

/**
 * Every detector's sample events (samples/<name>.json, beside the detectors as content): each case
 * runs through the whole pipeline in memory, with every detector enabled, and must raise the
 * detector's finding exactly when the case says it fires.
 */
interface SampleCase {
  name: string;
  fires: boolean;
  severity?: string;
  /** One batch of records... */
  records?: unknown[];
  /** ...or several, run in turn (a principal's history, then what it does next). */
  batches?: unknown[][];
  /** How many findings of the detector, when it fires (default: at least one). */
  count?: number;
}
interface SampleFile {
  detector: string;
  description: string;
  env?: Record<string, string>;
  cases: SampleCase[];
}

const SAMPLES = join(import.meta.dirname, 'samples');
const files: SampleFile[] = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(SAMPLES, f), 'utf8')) as SampleFile);

describe('detector samples', () => {
  it('has a sample file for every registered detector, with cases that fire and cases that do not', () => {
    expect(files.map((f) => f.detector).sort()).toEqual(Object.keys(detectorsByName).sort());
    for (const file of files) {
      expect(file.cases.some((c) => c.fires), `${file.detector} has no firing case`).toBe(true);
      expect(file.cases.some((c) => !c.fires), `${file.detector} has no non-firing case`).toBe(true);
    }
  });

  for (const file of files) {
    describe(file.detector, () => {
      it.each(file.cases.map((c) => [c.name, c] as const))('%s', async (_name, sample) => {
        const pipeline = memoryPipeline(file.env);
        for (const batch of sample.batches ?? [sample.records ?? []]) {
          const result = await pipeline.run(batch);
          expect(result.error).toBeUndefined();
          expect(result.rejected).toEqual([]);
        }
        const mine = pipeline.published.filter((f) => f.ruleId === `audit.${file.detector}`);
        if (sample.fires) {
          expect(mine.length, `expected audit.${file.detector} to fire`).toBeGreaterThan(0);
          if (sample.count !== undefined) expect(mine).toHaveLength(sample.count);
          if (sample.severity) expect(mine.map((f) => f.severity)).toContain(sample.severity);
          for (const finding of mine) {
            expect(() => parseFinding(finding)).not.toThrow();
            expect(finding.runbook).toBe(detectorsByName[file.detector]!.runbook);
            expect(finding.evidence.secrets).toBeDefined();
          }
        } else {
          expect(mine.map((f) => f.title)).toEqual([]);
        }
      });
    });
  }
});
