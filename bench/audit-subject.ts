/**
 * What the audit throughput figure times: normalisation and detection (state in memory) over a
 * corpus, in the audit queue's 1,000-event batches. A module of its own so that
 * bench/audit-runner.ts can time it both as the TypeScript source under tsx and bundled with the
 * options of the shipped function bundles (scripts/bundle-options.mjs), the code Lambda runs.
 */
import type { AuditRecord } from '../shared/audit/record';
import { normaliseCloudTrail } from '../shared/audit/normalise';
import { sumCounts } from '../shared/audit/store';
import { fixedClock } from '../shared/clock';
import { detectionConfig } from '../shared/detection/config';
import { detectors } from '../shared/detection/detectors';
import { detectAnomalies } from '../shared/detection/engine';
import { hourlyReadCounter } from '../shared/detection/hourly-reads';
import { MemoryDetectorState } from '../shared/detection/memory-state';

/** The account of the corpus (audit-corpus.ts): keywarden's own roles are exempt by ARN in it. */
const BENCH_ACCOUNT = '123456789012';

/** Process CPU time in ms: other engineers' processes on the shared machine do not inflate it. */
export function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** The baseline: JSON.parse of every body. */
export function parseOnly(corpus: readonly string[]): number {
  const began = cpuMs();
  for (const body of corpus) JSON.parse(body);
  return cpuMs() - began;
}

/** What the audit function does with a batch of SQS bodies, minus storing and publishing. */
export async function pipelineFromText(corpus: readonly string[], batchSize: number, sample?: (heap: number, rss: number) => void): Promise<{ ms: number; findings: number }> {
  const deps = memoryDeps();
  let findings = 0;
  const began = cpuMs();
  for (let start = 0; start < corpus.length; start += batchSize) {
    const batch: AuditRecord[] = [];
    for (let i = start; i < start + batchSize && i < corpus.length; i += 1) {
      const read = normaliseCloudTrail(corpus[i], deps.config.tenancy);
      if (read.kind === 'record') batch.push(read.record);
    }
    findings += (await detect(batch, deps)).findings.length;
    if (sample && start % (batchSize * 10) === 0) {
      const memory = process.memoryUsage();
      sample(memory.heapUsed, memory.rss);
    }
  }
  return { ms: cpuMs() - began, findings };
}

/** The same from records already parsed: only normalisation and detection are timed. */
export async function pipelineFromRecords(corpus: readonly string[], batchSize: number): Promise<number> {
  const deps = memoryDeps();
  let ms = 0;
  for (let start = 0; start < corpus.length; start += batchSize) {
    const parsed = corpus.slice(start, start + batchSize).map((body) => JSON.parse(body) as unknown);
    const began = cpuMs();
    const batch: AuditRecord[] = [];
    for (const value of parsed) {
      const read = normaliseCloudTrail(value, deps.config.tenancy);
      if (read.kind === 'record') batch.push(read.record);
    }
    await detect(batch, deps);
    ms += cpuMs() - began;
  }
  return ms;
}

/**
 * What the function does for detection after storing a batch: the hourly read counts (which the
 * audit store adds in its own write, so each event counts once) and then the detectors.
 */
export async function detect(batch: readonly AuditRecord[], deps: ReturnType<typeof memoryDeps>) {
  const sums = sumCounts(batch.map(hourlyReadCounter(deps.config, deps.clock.now().getTime())));
  if (sums.length > 0) await deps.state.update(sums.map((sum) => ({ key: sum.key, add: Object.fromEntries(sum.adds), expiresAt: sum.expiresAt })));
  return detectAnomalies(batch, deps);
}

export function memoryDeps() {
  return { state: new MemoryDetectorState(), config: detectionConfig({}, 'bench', { partition: 'aws', accountId: BENCH_ACCOUNT }), detectors, clock: fixedClock('2024-05-02T00:00:00Z') };
}

/** The normaliser, for the liveMemory pass (bench/audit.ts) to share the subject's caches. */
export { normaliseCloudTrail };
