import type { Finding } from '../finding';
import type { AuditRecord } from '../audit/record';
import type { Clock } from '../clock';
import { ConfigError } from '../errors';
import { ActivityPhase } from './activity';
import { principalIsOneOf, type DetectionConfig } from './config';
import type { Detector, FindingDraft, PrincipalDetector, RecordContext, RecordDetector, WindowMeasure } from './detector';
import { sample, toFinding } from './findings';
import { FirstReadPhase } from './first-reads';
import { HabitsPhase } from './habits';
import { LearningPhase } from './learning';
import { isoOf, stateKeys, timeMs, windowStartMs } from './keys';
import { days, expiryAfter, type StatePhase } from './phase';
import { SecretFactsPhase } from './secret-facts';
import { mergePuts, mergeUpdates, type DetectorState, type StateItem } from './state';

/** What the engine needs. */
export interface DetectionDeps {
  state: DetectorState;
  config: DetectionConfig;
  /** Usually the registry's list (detectors/index.ts). */
  detectors: readonly Detector[];
  clock: Clock;
}

/** The findings a batch raised, claimed so no other batch (or redelivery) raises them again. */
export interface DetectionOutcome {
  findings: Finding[];
  /**
   * Records a detector could not judge (it threw on them), with why: the caller dead-letters
   * each alone; the other detectors still saw it and the rest of the batch is judged normally.
   */
  unjudged: ReadonlyMap<string, string>;
  /** Gives the claims back when the findings could not be published, so a retry raises them. */
  release(): Promise<void>;
}

/**
 * A claim outlives any redelivery: SQS keeps a message at most 14 days.
 */
const CLAIM_LIFETIME_MS = days(15);


/**
 * Runs every enabled detector over one batch of audit records. keywarden's own roles
 * (`KEYWARDEN_OWN_ROLES`) raise nothing, though what they do still teaches the state (a rotation
 * moving AWSCURRENT makes the old version "previous"). State is read once, written once (one
 * write per item touched, merged across detectors) and findings are claimed with a put-if-absent
 * on their id, so a redelivered or concurrently processed event raises a finding at most once.
 *
 * Every piece of state is idempotent per event: window measures are sets of hashed members, first
 * reads and secret facts remember the event that wrote them, and the hourly read counts (the one
 * counter that is a number) are added by the audit store in the transaction that stores each
 * event (hourly-reads.ts). So a batch redelivered after a partial failure, whole or in part,
 * counts each event exactly once.
 *
 * @param records the batch, each event once (the caller drops repeats within the batch), stored
 *   (and counted) already.
 */
export async function detectAnomalies(records: readonly AuditRecord[], deps: DetectionDeps): Promise<DetectionOutcome> {
  const nowMs = deps.clock.now().getTime();
  const batch = prepareBatch(records, deps, nowMs);
  if (!batch) return nothing();
  await runPhases(batch.phases, deps.state);
  const { findings, unjudged } = judgeBatch(batch, deps.config);
  return { ...(await claim(findings, deps.state, nowMs)), unjudged };
}

/**
 * The detectors and phases of one batch. The engine's steps are synchronous functions around
 * two awaits (the state's read and write, the claim): V8 deoptimised the whole engine when it
 * was one async function, at the resume after an await, batch after batch, so every batch's
 * detector loop ran unoptimised.
 */
interface PreparedBatch {
  watched: AuditRecord[];
  recordDetectors: RecordDetector[];
  principalDetectors: PrincipalDetector[];
  facts: SecretFactsPhase;
  learning: LearningPhase;
  firstReads: FirstReadPhase | undefined;
  habits: HabitsPhase | undefined;
  activity: ActivityPhase | undefined;
  phases: StatePhase[];
}

function prepareBatch(records: readonly AuditRecord[], deps: DetectionDeps, nowMs: number): PreparedBatch | undefined {
  const { config } = deps;
  const detectors = deps.detectors.filter((d) => !config.disabledDetectors.has(d.name));
  if (records.length === 0 || detectors.length === 0) return undefined;

  const own = new Map<string, boolean>();
  const watched = records.filter((record) => {
    let isOwn = own.get(record.principal.key);
    if (isOwn === undefined) {
      isOwn = principalIsOneOf(record.principal, config.ownRoles);
      own.set(record.principal.key, isOwn);
    }
    return !isOwn;
  });
  const recordDetectors = detectors.filter((d): d is RecordDetector => d.kind === 'record');
  const principalDetectors = detectors.filter((d): d is PrincipalDetector => d.kind === 'principal');
  const measures = uniqueMeasures(principalDetectors);

  const needs = new Set(detectors.flatMap((d) => d.needs ?? []));
  const facts = new SecretFactsPhase(records, config, nowMs);
  const learning = new LearningPhase(watched, config);
  const firstReads = needs.has('first-reads') ? new FirstReadPhase(watched, config, nowMs, learning) : undefined;
  const habits = needs.has('habits') ? new HabitsPhase(watched, config, nowMs, learning) : undefined;
  const activity = principalDetectors.length > 0 ? new ActivityPhase(watched, measures, config, nowMs) : undefined;
  const phases: StatePhase[] = [facts, learning];
  if (firstReads) phases.push(firstReads);
  if (habits) phases.push(habits);
  if (activity) phases.push(activity);
  return { watched, recordDetectors, principalDetectors, facts, learning, firstReads, habits, activity, phases };
}

/** Every detector over the batch, once its state is read: the findings, one per id, and the records a detector failed on. */
function judgeBatch(batch: PreparedBatch, config: DetectionConfig): { findings: Finding[]; unjudged: Map<string, string> } {
  const drafts: Array<[Detector, FindingDraft]> = [];
  const unjudged = judgeRecords(batch, config, drafts);
  if (batch.activity) judgePrincipals(batch, config, drafts);
  const byId = new Map<string, Finding>();
  for (const [detector, draft] of drafts) {
    const finding = toFinding(detector, draft);
    const known = byId.get(finding.id);
    if (known) countOccurrence(known, finding);
    else byId.set(finding.id, finding);
  }
  return { findings: [...byId.values()], unjudged };
}

function judgeRecords(batch: PreparedBatch, config: DetectionConfig, drafts: Array<[Detector, FindingDraft]>): Map<string, string> {
  const { facts, firstReads, learning, habits } = batch;
  const ctx: RecordContext = {
    config,
    secretFacts: (name) => facts.factsOf(name),
    isFirstReadAfterLearning: (record, name) => firstReads?.isFirstReadAfterLearning(record, name) ?? false,
    windowOf: (record) => isoOf(windowStartMs(timeMs(record.time), config.windowMinutes)),
    isAfterLearning: (record) => learning.isOverAt(record),
    isFirstOfItsKind: (record) => habits?.isFirstOfItsKind(record) ?? false,
    isNovelAccess: (record) => habits?.isNovelAccess(record) ?? false,
  };
  const unjudged = new Map<string, string>();
  const byEvent = new Map<string, RecordDetector[]>();
  for (const record of batch.watched) {
    let relevant = byEvent.get(record.eventName);
    if (!relevant) byEvent.set(record.eventName, (relevant = batch.recordDetectors.filter((d) => !d.events || d.events.includes(record.eventName))));
    for (const detector of relevant) {
      let out: ReturnType<RecordDetector['inspect']>;
      try {
        out = detector.inspect(record, ctx);
      } catch (error) {
        // A detector's bug meeting an odd record: that record alone is set aside with the reason.
        unjudged.set(record.eventId, `detector ${detector.name} failed on the record (${(error as Error)?.name ?? 'error'})`);
        continue;
      }
      if (out === undefined) continue;
      for (const draft of Array.isArray(out) ? out : [out]) drafts.push([detector, draft]);
    }
  }
  return unjudged;
}

function judgePrincipals(batch: PreparedBatch, config: DetectionConfig, drafts: Array<[Detector, FindingDraft]>): void {
  const { habits, learning } = batch;
  for (const found of batch.activity?.activities() ?? []) {
    const act = { ...found, habits: habits?.of(found.principal), afterLearning: found.records[0] !== undefined && learning.isOverAt(found.records[0]) };
    for (const detector of batch.principalDetectors) {
      const draft = detector.evaluate(act, config);
      if (draft) drafts.push([detector, draft]);
    }
  }
}

async function runPhases(phases: readonly StatePhase[], state: DetectorState): Promise<void> {
  const keys = [...new Set(phases.flatMap((p) => p.keys()))];
  const read: Map<string, StateItem> = keys.length > 0 ? await state.get(keys) : new Map();
  const updates = mergeUpdates(phases.flatMap((p) => p.updates(read)));
  const updated = updates.length > 0 ? await state.update(updates) : new Map<string, StateItem>();
  const puts = mergePuts(phases.flatMap((p) => p.puts(read)));
  const created = puts.length > 0 ? await state.putIfAbsent(puts) : new Set<string>();
  for (const phase of phases) phase.finish(read, updated, created);
}

/** Publishes each finding id once: a put-if-absent of its claim, after a read that skips known ones. */
/**
 * Drafts with the same occurrence are one finding (say, forty denied deletions by one principal
 * in one window): the first keeps its evidence, and counts the others and the secrets they named.
 */
function countOccurrence(finding: Finding, same: Finding): void {
  const evidence = finding.evidence;
  evidence.occurrences = (typeof evidence.occurrences === 'number' ? evidence.occurrences : 1) + 1;
  const secrets = Array.isArray(evidence.secrets) ? (evidence.secrets as string[]) : [];
  const more = Array.isArray(same.evidence.secrets) ? (same.evidence.secrets as string[]) : [];
  evidence.secrets = sample([...secrets, ...more], MAX_SECRETS_NAMED);
}

/** A grouped finding names at most this many secrets (its count says how many calls there were). */
const MAX_SECRETS_NAMED = 20;

async function claim(findings: Finding[], state: DetectorState, nowMs: number): Promise<Omit<DetectionOutcome, 'unjudged'>> {
  if (findings.length === 0) return nothing();
  const keys = findings.map((f) => stateKeys.fired(f.id));
  const known = await state.get(keys);
  const fresh = findings.filter((_, i) => !known.has(keys[i]!));
  if (fresh.length === 0) return nothing();
  const expiresAt = expiryAfter(nowMs, CLAIM_LIFETIME_MS, nowMs);
  const created = await state.putIfAbsent(fresh.map((f) => ({ key: stateKeys.fired(f.id), item: { ruleId: f.ruleId, dedupKey: f.dedupKey, claimedAt: new Date(nowMs).toISOString() }, expiresAt })));
  const claimed = fresh.filter((f) => created.has(stateKeys.fired(f.id)));
  return { findings: claimed, release: () => state.delete(claimed.map((f) => stateKeys.fired(f.id))) };
}

function nothing(): DetectionOutcome {
  return { findings: [], unjudged: new Map(), release: async () => undefined };
}

function uniqueMeasures(detectors: readonly PrincipalDetector[]): WindowMeasure[] {
  const byTag = new Map<string, WindowMeasure>();
  for (const detector of detectors) {
    for (const measure of detector.measures) {
      const known = byTag.get(measure.tag);
      if (known && known !== measure) throw new ConfigError(`detectors ${detector.name} and another both use measure tag "${measure.tag}"`);
      byTag.set(measure.tag, measure);
    }
  }
  return [...byTag.values()];
}
