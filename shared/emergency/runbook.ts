import { randomUUID } from 'node:crypto';
import type { FindingPublisher } from '../finding';
import type { AuditStore } from '../audit/store';
import type { TenancyConfig } from '../tenancy';
import type { Clock } from '../clock';
import type { StepInvoker } from '../rotation/driver';
import { REVOKE_GRANT_TTL_SECONDS, type RevokeGrants } from '../rotation/ledger';
import { UNTRUSTED_PENDING_RULE } from '../rotation/pending-guard';
import { STRATEGY_TAG } from '../rotation/resolve-strategy';
import type { SecretsStore } from '../secrets-store';
import type { SecretInventory } from '../staleness/inventory';
import { reviewAccessWithRecords } from './access-review';
import { buildConsumerMap } from '../consumers/map';
import { namedList } from '../consumers/finding';
import { emergencyFinding } from './finding';
import { LEDGER_TTL_SECONDS, LOCK_TTL_SECONDS, type EmergencyLedger } from './ledger';
import { repairStuckRotation, stuckPendingVersion } from './repair';
import { timedStep, type EmergencyReport, type SecretReport, type StepRecord } from './report';
import { describeTarget, type EmergencyRequest } from './request';
import type { CredentialRevoker, RotationRunner } from './rotation-runner';
import { resolveTargets, type TargetSecret } from './targets';

/** What the runbook needs; every piece is an interface with an AWS adapter and a test double. */
export interface EmergencyDeps {
  store: SecretsStore;
  inventory: SecretInventory;
  audit: AuditStore;
  ledger: EmergencyLedger;
  rotation: RotationRunner;
  /** The rotate function, one step at a time: repair finishes a stuck rotation through it. */
  steps: StepInvoker;
  revoker: CredentialRevoker;
  /** Where the runbook grants each revocation it asks for; the rotate function refuses any other. */
  revokeGrants: RevokeGrants;
  publisher: FindingPublisher;
  clock: Clock;
  tenancy: TenancyConfig;
}


/**
 * The emergency runbook as code, for each target secret: lock it, repair a stuck rotation (finish
 * it, or discard it when it cannot be finished), rotate now and wait, revoke the previous
 * credential, review who read the secret, and page through a finding. A dry run reads everything
 * and changes nothing. The same request id runs once; a second call returns the first's report.
 */
export async function runEmergency(request: EmergencyRequest, deps: EmergencyDeps): Promise<EmergencyReport> {
  const startedAt = deps.clock.now().toISOString();
  const targets = await resolveTargets(request.target, deps);
  if (!request.dryRun) {
    const claim = await deps.ledger.claimRequest(request.requestId, LEDGER_TTL_SECONDS);
    if (!claim.claimed) return earlierRun(request, claim.report, startedAt);
  }
  const secrets: SecretReport[] = [];
  for (const target of targets) secrets.push(await handleSecret(target, request, deps));
  const report: EmergencyReport = {
    requestId: request.requestId,
    target: describeTarget(request.target),
    reason: request.reason,
    requestedBy: request.requestedBy,
    dryRun: request.dryRun,
    startedAt,
    finishedAt: deps.clock.now().toISOString(),
    ok: secrets.every((s) => s.ok),
    replayed: false,
    secrets,
  };
  if (!request.dryRun) await deps.ledger.finishRequest(request.requestId, report, LEDGER_TTL_SECONDS);
  return report;
}

function earlierRun(request: EmergencyRequest, stored: unknown, startedAt: string): EmergencyReport {
  if (stored) return { ...(stored as EmergencyReport), replayed: true };
  return {
    requestId: request.requestId,
    target: describeTarget(request.target),
    reason: request.reason,
    requestedBy: request.requestedBy,
    dryRun: false,
    startedAt,
    finishedAt: startedAt,
    ok: false,
    replayed: true,
    secrets: [],
  };
}

async function handleSecret(target: TargetSecret, request: EmergencyRequest, deps: EmergencyDeps): Promise<SecretReport> {
  if (request.dryRun) return planSecret(target, request, deps);
  const lock = await deps.ledger.lockSecret(target.arn, request.requestId, LOCK_TTL_SECONDS);
  if (!lock.locked) {
    const detail = `request ${lock.heldBy} is rotating this secret right now; it was not rotated twice`;
    return { secret: target.name, arn: target.arn, ok: true, steps: [{ step: 'lock', outcome: 'skipped', durationMs: 0, detail }] };
  }
  try {
    return await rotateAndReview(target, request, deps);
  } finally {
    await deps.ledger.releaseSecret(target.arn, request.requestId);
  }
}

async function rotateAndReview(target: TargetSecret, request: EmergencyRequest, deps: EmergencyDeps): Promise<SecretReport> {
  const steps: StepRecord[] = [{ step: 'lock', outcome: 'done', durationMs: 0, detail: `locked for request ${request.requestId}` }];
  let untrustedPending: SecretReport['untrustedPending'];
  steps.push(
    await timedStep('repair', async () => {
      const repaired = await repair(target, deps);
      untrustedPending = repaired.untrustedPending;
      return repaired;
    }),
  );
  let token: string | undefined;
  let rotatedAt: string | undefined;
  steps.push(
    await timedStep('rotate', async () => {
      // The revocation is granted before the rotation starts, for a version id chosen here: the
      // grant is also how the rotate function knows this rotation is an emergency, which never
      // waits for consumers (shared/consumers/gate.ts), whatever the secret's policy.
      const chosen = randomUUID();
      await deps.revokeGrants.grantRevoke(target.arn, chosen, request.requestId, REVOKE_GRANT_TTL_SECONDS);
      token = (await deps.rotation.rotate(target.arn, request.rotationTimeoutSeconds * 1000, chosen)).token;
      rotatedAt = deps.clock.now().toISOString();
      return { outcome: 'done', detail: `version ${token} is AWSCURRENT` };
    }),
  );
  steps.push(
    token
      ? await timedStep('revoke', () => revokePrevious(target, token!, request, deps))
      : { step: 'revoke', outcome: 'skipped', durationMs: 0, detail: 'not revoked: the rotation failed, and revoking now would lock out every client of the old credential' },
  );
  const review = await reviewStep(target, request, deps, token && rotatedAt ? { versionId: token, at: rotatedAt } : undefined);
  steps.push(review.step);
  const report: SecretReport = { secret: target.name, arn: target.arn, ok: steps.every((s) => s.outcome !== 'failed'), steps, accessReview: review.accessReview };
  if (review.willBreak) report.willBreak = review.willBreak;
  if (untrustedPending) report.untrustedPending = untrustedPending;
  steps.push(await timedStep('notify', () => notify(request, report, deps)));
  report.ok = steps.every((s) => s.outcome !== 'failed');
  return report;
}

async function repair(target: TargetSecret, deps: EmergencyDeps): Promise<{ outcome: StepRecord['outcome']; detail: string; untrustedPending?: SecretReport['untrustedPending'] }> {
  const repaired = await repairStuckRotation(deps.store, await deps.store.describe(target.arn), deps.steps);
  if (!repaired) return { outcome: 'skipped', detail: 'no stuck rotation' };
  const outcome = { outcome: repaired.resumed || repaired.discarded ? ('done' as const) : ('failed' as const), detail: repaired.detail };
  return repaired.untrusted ? { ...outcome, untrustedPending: { versionId: repaired.versionId, ruleId: UNTRUSTED_PENDING_RULE } } : outcome;
}

async function revokePrevious(target: TargetSecret, token: string, request: EmergencyRequest, deps: EmergencyDeps): Promise<{ outcome: StepRecord['outcome']; detail: string }> {
  await deps.revokeGrants.grantRevoke(target.arn, token, request.requestId, REVOKE_GRANT_TTL_SECONDS);
  const outcome = await deps.revoker.revoke(target.arn, token);
  return { outcome: outcome.revoked ? 'done' : 'skipped', detail: outcome.detail };
}

/**
 * The access review, and from the same records who will break: every consumer of the window that
 * has not read the version the emergency made current (`rotated`; in a dry run, or when the
 * rotation failed, nobody has: all of them would).
 */
async function reviewStep(target: TargetSecret, request: EmergencyRequest, deps: EmergencyDeps, rotated?: { versionId: string; at: string }) {
  let accessReview: SecretReport['accessReview'];
  let willBreak: SecretReport['willBreak'];
  const step = await timedStep('access-review', async () => {
    const until = deps.clock.now();
    const since = new Date(until.getTime() - request.accessReviewDays * 86_400_000);
    const read = await reviewAccessWithRecords(deps.audit, target.name, since, until);
    accessReview = read.review;
    const after = rotated?.at ?? until.toISOString();
    const map = buildConsumerMap(read.records, { currentVersionId: rotated?.versionId, currentSince: after });
    const breaking = map.consumers.filter((c) => !c.readsSinceCurrent).map((consumer) => ({ consumer, state: 'behind' as const, graceSeconds: 0 }));
    willBreak = { count: breaking.length, since: after, ...namedList(breaking) };
    const who = accessReview.principals.length;
    return { outcome: 'done', detail: `${accessReview.reads} read(s) and ${accessReview.denied} denied attempt(s) by ${who} principal(s) in ${request.accessReviewDays} days; ${breaking.length} consumer(s) have not read the new version and will break` };
  });
  return { step, accessReview, willBreak };
}

async function notify(request: EmergencyRequest, report: SecretReport, deps: EmergencyDeps): Promise<{ outcome: StepRecord['outcome']; detail: string }> {
  const finding = emergencyFinding(request, report, deps.tenancy, deps.clock.now());
  await deps.publisher.publish([finding]);
  return { outcome: 'done', detail: `finding ${finding.ruleId} (${finding.severity}) published` };
}

/** A dry run: what would be done, with the access review (a read) done for real. */
async function planSecret(target: TargetSecret, request: EmergencyRequest, deps: EmergencyDeps): Promise<SecretReport> {
  const metadata = await deps.store.describe(target.arn);
  const steps: StepRecord[] = [];
  const stuck = stuckPendingVersion(metadata);
  const repair = stuck ? `would finish the stuck rotation of version ${stuck}, or remove its AWSPENDING label if it cannot be finished` : 'no stuck rotation';
  steps.push({ step: 'repair', outcome: stuck ? 'planned' : 'skipped', durationMs: 0, detail: repair });
  const enabled = metadata.rotationEnabled ? '' : ' (rotation is off: it would be turned on)';
  const how = metadata.tags[STRATEGY_TAG] ? `strategy ${metadata.tags[STRATEGY_TAG]}` : 'the strategy its engine field names';
  steps.push({ step: 'rotate', outcome: 'planned', durationMs: 0, detail: `would rotate with ${how}${enabled}` });
  steps.push({ step: 'revoke', outcome: 'planned', durationMs: 0, detail: 'would revoke the previous credential through the strategy' });
  const review = await reviewStep(target, request, deps);
  steps.push(review.step, { step: 'notify', outcome: 'planned', durationMs: 0, detail: 'would publish an emergency.rotation finding' });
  return { secret: target.name, arn: target.arn, ok: steps.every((s) => s.outcome !== 'failed'), steps, accessReview: review.accessReview, ...(review.willBreak && { willBreak: review.willBreak }) };
}
