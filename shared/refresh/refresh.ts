import type { Finding, FindingPublisher } from '../finding';
import { secretTenant, type TenancyConfig } from '../tenancy';
import type { Clock } from '../clock';
import { KeywardenError } from '../errors';
import type { RotationEventDetail } from '../rotation/rotation-event';
import { AWSCURRENT, type SecretsStore } from '../secrets-store';
import type { RefreshActions, RefreshContext } from './action';
import { refusalOf, type RefreshAllowList } from './allow-list';
import { refreshFailedFinding, refreshRefusedFinding, refreshResolvedFinding, type RefreshFindingFacts } from './findings';
import type { RefreshKey, RefreshRecords } from './refresh-records';
import { REFRESH_TAGS, refreshTargetsOf, targetLabel, type RefreshActionName, type RefreshTarget } from './target';

/** What refreshing the consumers of a rotated secret needs. */
export interface RefreshDeps {
  store: Pick<SecretsStore, 'describe'>;
  /** When Secrets Manager created the version (shared/aws/secrets-manager-version-dates.ts); undefined when it has no such version. */
  versionCreatedAt(secretId: string, versionId: string): Promise<Date | undefined>;
  records: RefreshRecords;
  actions: RefreshActions;
  allowList: RefreshAllowList;
  tenancy: TenancyConfig;
  findings: FindingPublisher;
  clock: Clock;
  /** Deadline of one API call an action makes. */
  callTimeoutMs: number;
  log: { info(message: string, extra: Record<string, unknown>): void; warn(message: string, extra: Record<string, unknown>): void };
}

type TargetName = { action: RefreshActionName; target: string };

/** What one event led to (names only), for the log and the tests. */
export interface RefreshReport {
  secret: string;
  /** `stale`: the version is no longer AWSCURRENT (a newer rotation will have its own event). */
  skipped?: 'not-a-refresh-outcome' | 'stale';
  done: Array<TargetName & { what: string }>;
  failed: TargetName[];
  refused: Array<TargetName & { reason: string }>;
  /** Refreshed for this version before (a redelivered or replayed event): left alone. */
  alreadyDone: TargetName[];
  /** Refused for this version before: its finding is not sent again. */
  alreadyRefused: TargetName[];
  /** Another invocation holds the target's claim now: it is that one's to do. */
  busy: TargetName[];
  /** Not reached, or cut short, before the batch's time budget ran out: the message is retried. */
  unfinished: TargetName[];
  /** Targets whose earlier `rotation.refresh-failed` finding this refresh resolved. */
  resolved: TargetName[];
}

/**
 * Makes the consumers the secret's tags name pick up the rotated credential, each at most once
 * per version. The event says only which secret and version: the secret is read again (its tags,
 * and whether the version is AWSCURRENT, so an event for an old version restarts nothing), the
 * annotations carry the version's creation time from Secrets Manager (never the event's), its
 * tenant comes from its name, and each target must be inside the allow-list for that tenant.
 * Each target is claimed in the refresh records before it is touched, so a redelivered or replayed
 * event finds it done and leaves it alone (logged, no finding). A refused target and a failed
 * action each become a finding (a refusal once per version); a success resolves the target's
 * earlier failure. Nothing here can fail the rotation, which finished before the event was sent.
 * When `signal` aborts (the batch's budget), no further target is started and the report's
 * `unfinished` says which are left. Throws only when the secret, the records or the bus cannot
 * be reached (the message is retried).
 */
export async function refreshAfterRotation(event: RotationEventDetail, deps: RefreshDeps, signal: AbortSignal = new AbortController().signal): Promise<RefreshReport> {
  const report: RefreshReport = { secret: event.secret.name, done: [], failed: [], refused: [], alreadyDone: [], alreadyRefused: [], busy: [], unfinished: [], resolved: [] };
  if (event.outcome !== 'succeeded' && event.outcome !== 'revoked') return { ...report, skipped: 'not-a-refresh-outcome' };
  const metadata = await deps.store.describe(event.secret.arn ?? event.secret.name);
  report.secret = metadata.name;
  if (!metadata.versions[event.versionId]?.includes(AWSCURRENT)) return { ...report, skipped: 'stale' };
  const createdAt = await deps.versionCreatedAt(metadata.arn, event.versionId);
  // DescribeSecret named it AWSCURRENT a moment ago: a version without a date is a read to retry.
  if (!createdAt) throw new KeywardenError(`Secrets Manager listed no creation date for version ${event.versionId} of ${metadata.name}`);

  const tenant = secretTenant(metadata.name, deps.tenancy);
  const ctx: RefreshContext = {
    secretName: metadata.name,
    versionId: event.versionId,
    rotatedAt: createdAt.toISOString(),
    signal,
    callSignal: () => AbortSignal.any([signal, AbortSignal.timeout(deps.callTimeoutMs)]),
  };
  const facts = (action: RefreshActionName, target: string): RefreshFindingFacts => ({
    secret: { name: metadata.name, arn: metadata.arn },
    ...(tenant !== undefined && { tenant }),
    versionId: event.versionId,
    action,
    target,
    tag: REFRESH_TAGS[action],
    observedAt: deps.clock.now(),
  });
  const key = (action: RefreshActionName, target: string): RefreshKey => ({ secretArn: metadata.arn, versionId: event.versionId, action, target });
  const findings: Finding[] = [];
  const refusalsToRecord: RefreshKey[] = [];
  const refuse = async (action: RefreshActionName, target: string, reason: string, findingReason: string) => {
    if (await deps.records.refusalReported(key(action, target))) {
      report.alreadyRefused.push({ action, target });
      return;
    }
    findings.push(refreshRefusedFinding(facts(action, target), findingReason));
    refusalsToRecord.push(key(action, target));
    report.refused.push({ action, target, reason });
  };

  const { targets, problems } = refreshTargetsOf(metadata.tags);
  for (const problem of problems) await refuse(actionOfTag(problem.tag), problem.value, problem.reason, problem.reason);
  const refreshed: TargetName[] = [];
  for (const target of targets) {
    const label = targetLabel(target);
    const refusal = refusalOf(target, deps.allowList, tenant);
    if (refusal) {
      await refuse(target.action, label, refusal, `${label} ${refusal}`);
      continue;
    }
    if (signal.aborted) {
      report.unfinished.push({ action: target.action, target: label });
      continue;
    }
    const claim = await deps.records.claim(key(target.action, label));
    if (claim.outcome !== 'claimed') {
      report[claim.outcome === 'done' ? 'alreadyDone' : 'busy'].push({ action: target.action, target: label });
      if (claim.outcome === 'done') refreshed.push({ action: target.action, target: label });
      continue;
    }
    let what: string;
    try {
      what = await run(deps.actions, target, ctx);
    } catch (error) {
      await deps.records.release(key(target.action, label), claim.token);
      if (signal.aborted) {
        // Cut short by the budget, not failed: the retried message tries it again.
        report.unfinished.push({ action: target.action, target: label });
        continue;
      }
      await deps.records.markFailed(metadata.arn, target.action, label);
      findings.push(refreshFailedFinding(facts(target.action, label), error));
      report.failed.push({ action: target.action, target: label });
      continue;
    }
    // The action took effect: a failure to record it is not a failed refresh (releasing the claim
    // or raising refresh-failed would invite a second deployment). The claim then lapses and a
    // redelivery may repeat the action once, which the log says.
    try {
      await deps.records.finish(key(target.action, label), claim.token);
    } catch (error) {
      deps.log.warn('a refresh took effect but could not be recorded done; a redelivery after the claim lapses may repeat it', { secret: metadata.name, action: target.action, target: label, error: (error as Error).name });
    }
    report.done.push({ action: target.action, target: label, what });
    refreshed.push({ action: target.action, target: label });
  }
  // A done target (now, or before a redelivery whose first try could not publish) resolves its open failure.
  const resolved: TargetName[] = [];
  for (const target of refreshed) {
    if (!(await deps.records.failed(metadata.arn, target.action, target.target))) continue;
    findings.push(refreshResolvedFinding(facts(target.action, target.target)));
    resolved.push(target);
  }
  if (findings.length > 0) await deps.findings.publish(findings);
  // Recorded only once published: a message retried because the bus was down sends them again.
  for (const refusal of refusalsToRecord) await deps.records.recordRefusal(refusal);
  for (const target of resolved) await deps.records.clearFailed(metadata.arn, target.action, target.target);
  report.resolved = resolved;

  if (report.alreadyDone.length > 0 || report.busy.length > 0) {
    deps.log.info('targets already refreshed for this version were left alone (a redelivered or replayed event)', { secret: metadata.name, versionId: event.versionId, alreadyDone: report.alreadyDone, busy: report.busy });
  }
  deps.log.info('refresh after rotation', { ...report });
  return report;
}

function run(actions: RefreshActions, target: RefreshTarget, ctx: RefreshContext): Promise<string> {
  switch (target.action) {
    case 'eso-force-sync':
      return actions[target.action].run(target, ctx);
    case 'k8s-rollout-restart':
      return actions[target.action].run(target, ctx);
    case 'ecs-new-deployment':
      return actions[target.action].run(target, ctx);
    case 'lambda-config-version':
      return actions[target.action].run(target, ctx);
  }
}

function actionOfTag(tag: string): RefreshActionName {
  return (Object.entries(REFRESH_TAGS) as Array<[RefreshActionName, string]>).find(([, key]) => key === tag)![0];
}
