import type { Finding, FindingPublisher } from '../finding';
import { secretTenant, type TenancyConfig } from '../tenancy';
import type { Clock } from '../clock';
import type { RotationEventDetail } from '../rotation/rotation-event';
import { AWSCURRENT, type SecretsStore } from '../secrets-store';
import type { RefreshActions, RefreshContext } from './action';
import { refusalOf, type RefreshAllowList } from './allow-list';
import { refreshFailedFinding, refreshRefusedFinding, type RefreshFindingFacts } from './findings';
import { REFRESH_TAGS, refreshTargetsOf, targetLabel, type RefreshActionName, type RefreshTarget } from './target';

/** What refreshing the consumers of a rotated secret needs. */
export interface RefreshDeps {
  store: Pick<SecretsStore, 'describe'>;
  actions: RefreshActions;
  allowList: RefreshAllowList;
  tenancy: TenancyConfig;
  findings: FindingPublisher;
  clock: Clock;
  log: { info(message: string, extra: Record<string, unknown>): void; warn(message: string, extra: Record<string, unknown>): void };
}

/** What one event led to (names only), for the log and the tests. */
export interface RefreshReport {
  secret: string;
  /** `stale`: the version is no longer AWSCURRENT (a newer rotation will have its own event). */
  skipped?: 'not-a-refresh-outcome' | 'stale';
  done: Array<{ action: RefreshActionName; target: string; what: string }>;
  failed: Array<{ action: RefreshActionName; target: string }>;
  refused: Array<{ action: RefreshActionName; target: string; reason: string }>;
}

/**
 * Makes the consumers the secret's tags name pick up the rotated credential. The event says only
 * which secret: the secret is read again (its tags, and whether the event's version is AWSCURRENT,
 * so a forged or replayed event for an old version restarts nothing), its tenant comes from its
 * name, and each target must be inside the allow-list for that tenant. A refused target and a
 * failed action each become a finding; neither stops the other targets, and nothing here can
 * fail the rotation, which finished before the event was sent. Throws only when the secret cannot
 * be read or the findings cannot be published (the message is retried).
 */
export async function refreshAfterRotation(event: RotationEventDetail, deps: RefreshDeps): Promise<RefreshReport> {
  const report: RefreshReport = { secret: event.secret.name, done: [], failed: [], refused: [] };
  if (event.outcome !== 'succeeded' && event.outcome !== 'revoked') return { ...report, skipped: 'not-a-refresh-outcome' };
  const metadata = await deps.store.describe(event.secret.arn ?? event.secret.name);
  report.secret = metadata.name;
  if (!metadata.versions[event.versionId]?.includes(AWSCURRENT)) return { ...report, skipped: 'stale' };

  const tenant = secretTenant(metadata.name, deps.tenancy);
  const ctx: RefreshContext = { secretName: metadata.name, versionId: event.versionId, rotatedAt: event.at };
  const facts = (action: RefreshActionName, target: string): RefreshFindingFacts => ({
    secret: { name: metadata.name, arn: metadata.arn },
    ...(tenant !== undefined && { tenant }),
    versionId: event.versionId,
    action,
    target,
    tag: REFRESH_TAGS[action],
    observedAt: deps.clock.now(),
  });
  const findings: Finding[] = [];
  const { targets, problems } = refreshTargetsOf(metadata.tags);
  for (const problem of problems) {
    const action = actionOfTag(problem.tag);
    findings.push(refreshRefusedFinding(facts(action, problem.value), problem.reason));
    report.refused.push({ action, target: problem.value, reason: problem.reason });
  }
  for (const target of targets) {
    const label = targetLabel(target);
    const refusal = refusalOf(target, deps.allowList, tenant);
    if (refusal) {
      findings.push(refreshRefusedFinding(facts(target.action, label), `${label} ${refusal}`));
      report.refused.push({ action: target.action, target: label, reason: refusal });
      continue;
    }
    try {
      const what = await run(deps.actions, target, ctx);
      report.done.push({ action: target.action, target: label, what });
    } catch (error) {
      findings.push(refreshFailedFinding(facts(target.action, label), error));
      report.failed.push({ action: target.action, target: label });
    }
  }
  if (findings.length > 0) await deps.findings.publish(findings);
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
