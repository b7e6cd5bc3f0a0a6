import type { Severity } from '../finding';
import type { AuditPrincipal, AuditRecord } from '../audit/record';
import type { DetectionConfig } from './config';
import type { PrincipalHabits } from './habits';

/**
 * A detector is content: a predicate with its id, severity, description and runbook, and sample
 * events beside it (test/unit/detection/samples/<name>.json) that say whether it fires. Two kinds:
 *
 * - a {@link RecordDetector} looks at one audit record at a time (a public policy, a deletion);
 * - a {@link PrincipalDetector} looks at what one principal did in a window (harvesting, bursts),
 *   from counts the engine keeps in the detector state, aggregated per batch.
 *
 * Detectors never touch storage: the engine reads and writes the state once per batch for all of
 * them and hands each the facts it asked for. The registry is detectors/index.ts.
 */

/** What every detector declares. */
export interface DetectorMeta {
  /** Rule name; findings carry `audit.<name>` as their ruleId. */
  readonly name: string;
  /** A short title; a finding may give a more specific one. */
  readonly title: string;
  /** The usual severity; a finding may raise or lower it. */
  readonly severity: Severity;
  /** What it detects and why it matters, for docs and for on-call. */
  readonly description: string;
  /** What on-call should do, in a few sentences; copied into each finding. */
  readonly runbook: string;
  /**
   * The state it needs beyond the record and the secret facts: `first-reads` (which principal read
   * which secret) or `habits` (each principal's networks, clients, first batch and list calls,
   * batch patterns and sweeps). The engine reads and keeps only what the enabled detectors need.
   */
  readonly needs?: readonly DetectorNeed[];
}

/** A piece of state a detector can ask the engine to keep. */
export type DetectorNeed = 'first-reads' | 'habits';

/** What a detector proposes; the engine turns it into a finding (ids, dedup key, runbook). */
export interface FindingDraft {
  /** Overrides the detector's title. */
  title?: string;
  /** Overrides the detector's severity. */
  severity?: Severity;
  /** The record the finding is about (for time, principal, secret and tenant defaults). */
  record: AuditRecord;
  /** The secret, when the finding is about one. */
  secret?: { name: string; arn?: string };
  tenant?: string;
  /** Defaults to the record's principal. */
  principal?: AuditPrincipal;
  /** Facts behind the finding: names, ids, counts, times, addresses; never a secret value. */
  evidence: Record<string, unknown>;
  /** What makes two findings the same problem (hashed with the rule id into the dedup key). */
  dedupParts: readonly string[];
  /**
   * What makes two findings the same occurrence (hashed into the finding id): the engine
   * publishes an id once, so a redelivered batch or a burst of events raises it once.
   */
  occurrenceParts: readonly string[];
}

/** What the engine knows about a secret beyond the record, from config and detector state. */
export interface SecretFacts {
  /** Marked a decoy: by config (list or name pattern) or by its `keywarden:decoy` tag, seen in the trail. */
  decoy: boolean;
  /** Version ids moved off AWSCURRENT, with when (epoch ms), seen in the trail. */
  demotedVersions: ReadonlyMap<string, number>;
}

/** What a record detector may ask the engine. */
export interface RecordContext {
  readonly config: DetectionConfig;
  /** Facts about a secret named by the batch. */
  secretFacts(name: string): SecretFacts;
  /**
   * Whether this record is the principal's first successful read of this secret and the
   * learning period was over when it happened. Only value reads are tracked.
   */
  isFirstReadAfterLearning(record: AuditRecord, secretName: string): boolean;
  /** The start of the burst window the record falls in (ISO 8601). */
  windowOf(record: AuditRecord): string;
  /** Whether the trail's learning period was over when the record happened. */
  isAfterLearning(record: AuditRecord): boolean;
  /**
   * Whether the record is its principal's first successful call of its kind ever (BatchGetSecretValue
   * or a programmatic ListSecrets), once or redelivered. Needs `habits`.
   */
  isFirstOfItsKind(record: AuditRecord): boolean;
  /** Whether the record brought a known principal to a new public network with a new client, after learning. Needs `habits`. */
  isNovelAccess(record: AuditRecord): boolean;
}

/** Fires on single records. */
export interface RecordDetector extends DetectorMeta {
  readonly kind: 'record';
  /** The event names it looks at, so the engine skips it for others; absent means every event. */
  readonly events?: readonly string[];
  inspect(record: AuditRecord, ctx: RecordContext): FindingDraft[] | FindingDraft | undefined;
}

/**
 * A distinct-count a principal detector needs per principal and window, e.g. the secrets it
 * read. The engine keeps it as a set (hashed members, so a redelivered event adds nothing) and
 * reports its size over the current and the previous window.
 */
export interface WindowMeasure {
  /** Short attribute prefix in the state table, unique across detectors (one or two letters). */
  readonly tag: string;
  /** The members this record adds (secret names, event ids, regions...), none for most records. */
  values(record: AuditRecord, config: DetectionConfig): readonly string[];
}

/** One principal's activity in one window, as the engine hands it to principal detectors. */
export interface PrincipalActivity {
  readonly principal: AuditPrincipal;
  /** Start of the window (ISO 8601). */
  readonly windowStart: string;
  /** This batch's records of the principal in the window, oldest first. */
  readonly records: readonly AuditRecord[];
  /** Distinct members per measure tag over the previous and current window, after this batch. */
  readonly measures: Readonly<Record<string, number>>;
  /** Value reads in the hour holding the window, and the principal's usual rate. */
  readonly hour: HourlyReads;
  /** The principal's habits before this batch; present when a detector needs `habits`. */
  readonly habits?: PrincipalHabits;
  /** Whether the trail's learning period was over at the start of the window. */
  readonly afterLearning: boolean;
}

/** Value reads per hour, against the principal's own past. */
export interface HourlyReads {
  /** Start of the hour (ISO 8601). */
  readonly start: string;
  /** Value reads counted in this hour so far, this batch included. */
  readonly reads: number;
  /** Value reads in this batch (a redelivered batch has them again; the hour's count does not). */
  readonly added: number;
  /** Mean value reads per hour over the baseline hours before this one. */
  readonly baseline: number;
  /** Whether the principal was first seen at least the baseline hours before this hour. */
  readonly hasHistory: boolean;
}

/** Fires on what one principal did in one window. */
export interface PrincipalDetector extends DetectorMeta {
  readonly kind: 'principal';
  /** The distinct counts it needs; empty when it only uses `hour` or `records`. */
  readonly measures: readonly WindowMeasure[];
  evaluate(activity: PrincipalActivity, config: DetectionConfig): FindingDraft | undefined;
}

/** Any detector. */
export type Detector = RecordDetector | PrincipalDetector;
