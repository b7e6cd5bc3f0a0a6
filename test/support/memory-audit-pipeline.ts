import type { Finding } from '../../shared/finding';
import { MemoryAuditStore } from '../../shared/audit/memory-store';
import { processAuditBatch, type AuditBatchResult, type AuditPipelineDeps, type RejectedMessage } from '../../shared/detection/process-audit-batch';
import { fixedClock } from '../../shared/clock';
import { detectionConfigFromEnv, type DetectionConfig } from '../../shared/detection/config';
import { detectors as registry } from '../../shared/detection/detectors';
import type { Detector } from '../../shared/detection/detector';
import { MemoryDetectorState } from '../../shared/detection/memory-state';

/** The audit pipeline with every component in memory, as `keywarden audit replay --memory` runs it. */
export interface MemoryPipeline {
  deps: AuditPipelineDeps;
  store: MemoryAuditStore;
  state: MemoryDetectorState;
  published: Finding[];
  deadLettered: RejectedMessage[];
  /** Runs one batch of records (raw CloudTrail records, EventBridge events, or text). */
  run(records: readonly unknown[], idPrefix?: string): Promise<AuditBatchResult>;
}

/** A fresh pipeline; `env` as the function would get it (KEYWARDEN_STAGE=ci by default). */
export function memoryPipeline(env: Record<string, string> = {}, options: { config?: DetectionConfig; detectors?: readonly Detector[]; now?: string } = {}): MemoryPipeline {
  const state = new MemoryDetectorState();
  const store = new MemoryAuditStore(state);
  const published: Finding[] = [];
  const deadLettered: RejectedMessage[] = [];
  const deps: AuditPipelineDeps = {
    store,
    state,
    config: options.config ?? detectionConfigFromEnv({ KEYWARDEN_STAGE: 'ci', KEYWARDEN_ACCOUNT_ID: '111122223333', ...env }),
    detectors: options.detectors ?? registry,
    clock: fixedClock(options.now ?? '2024-05-01T12:00:00Z'),
    publisher: {
      publish: async (findings) => {
        published.push(...findings);
      },
    },
    deadLetters: {
      send: async (rejected) => {
        deadLettered.push(...rejected);
        return new Set();
      },
    },
  };
  let batch = 0;
  return {
    deps,
    store,
    state,
    published,
    deadLettered,
    run: (records, idPrefix = `batch-${(batch += 1)}`) => processAuditBatch(records.map((body, i) => ({ id: `${idPrefix}-${i}`, body })), deps),
  };
}
