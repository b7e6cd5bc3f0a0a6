import type { AuditRecord } from '../audit/record';
import type { DetectionConfig } from './config';
import { stateKeys, timeMs } from './keys';
import { days, stringAttribute, type StatePhase } from './phase';
import type { StateItem, StatePut, StateUpdate } from './state';

/**
 * The trail's learning period: KEYWARDEN_LEARNING_DAYS from the earliest event the detector state
 * ever saw (`meta#learning`, written once). Novelty detectors (first reads, first batch calls,
 * new networks, sweeps by principals that never swept) learn silently until it is over.
 */
export class LearningPhase implements StatePhase {
  private readonly earliest: string | undefined;
  private startMs = Number.POSITIVE_INFINITY;

  constructor(
    records: readonly AuditRecord[],
    private readonly config: DetectionConfig,
  ) {
    let earliest: string | undefined;
    for (const record of records) if (earliest === undefined || record.time < earliest) earliest = record.time;
    this.earliest = earliest;
  }

  keys(): string[] {
    return this.earliest === undefined ? [] : [stateKeys.learning()];
  }

  updates(): StateUpdate[] {
    return [];
  }

  puts(read: ReadonlyMap<string, StateItem>): StatePut[] {
    return this.earliest === undefined || read.has(stateKeys.learning()) ? [] : [{ key: stateKeys.learning(), item: { start: this.earliest } }];
  }

  finish(read: ReadonlyMap<string, StateItem>): void {
    this.startMs = this.startFrom(read);
  }

  /**
   * The start (epoch ms) as the state read gave it, else this batch's earliest event (a batch that
   * lost the race to create it started no later than a moment ago; its own start is as good).
   */
  startFrom(read: ReadonlyMap<string, StateItem>): number {
    const start = stringAttribute(read.get(stateKeys.learning()), 'start') ?? this.earliest;
    return start === undefined ? Number.POSITIVE_INFINITY : Date.parse(start);
  }

  /** Whether the learning period was over when the record happened (after {@link finish}). */
  isOverAt(record: AuditRecord): boolean {
    return timeMs(record.time) >= this.startMs + days(this.config.learningDays);
  }
}
