import type { FindingPublisher } from '../finding';
import type { AuditStore } from '../audit/store';
import { parameterTenant } from '../audit/ssm-parameters';
import type { TenancyConfig } from '../tenancy';
import { reviewAccess } from '../emergency/access-review';
import { emergencyFinding } from '../emergency/finding';
import { LEDGER_TTL_SECONDS, LOCK_TTL_SECONDS, type EmergencyLedger } from '../emergency/ledger';
import { timedStep, type EmergencyReport, type SecretReport, type StepRecord } from '../emergency/report';
import type { EmergencyRequest } from '../emergency/request';
import type { ParameterJournal, ParameterJournalEntry } from './parameter-journal';
import { repairParameter } from './parameter-repair';
import { checkParameter, revokePreviousParameter, rotateCheckedParameter, type ParameterRotationDeps } from './parameter-rotation';

/** What a parameter emergency needs beyond rotation: the emergency table's ledger and journal, the audit table, the bus. */
export interface ParameterEmergencyDeps extends ParameterRotationDeps {
  ledger: EmergencyLedger;
  journal: ParameterJournal;
  audit: AuditStore;
  publisher: FindingPublisher;
  tenancy: TenancyConfig;
}

/** The lock of a parameter in the emergency table; never the same key as a secret's ARN. */
export const parameterLockKey = (name: string) => `parameter:${name}`;

/**
 * The emergency runbook for an SSM SecureString parameter, with a secret's guarantees: the request
 * id runs once, the parameter is locked while it rotates (a second emergency on it is skipped,
 * never interleaved), a run that died part-way is repaired first from the journal, then rotate,
 * revoke (the `previous` label off the leaked version; a keyset or keyring also drops or marks the
 * leaked key), review who decrypted it, and notify through the `emergency.rotation` finding. Every
 * refusal (scope, type, strategy) comes before anything is written; a dry run changes nothing.
 */
export async function runParameterEmergency(request: EmergencyRequest, name: string, deps: ParameterEmergencyDeps): Promise<EmergencyReport> {
  const startedAt = deps.clock.now().toISOString();
  // Every refusal before anything is written; the version a dead run wrote is the repair's to undo.
  const unfinished = await deps.journal.read(name);
  await checkParameter(name, deps, { untestedNewest: unfinished ? 'allow' : 'refuse' });
  if (request.dryRun) return report(request, name, startedAt, await planParameter(request, name, deps), deps);
  const claim = await deps.ledger.claimRequest(request.requestId, LEDGER_TTL_SECONDS);
  if (!claim.claimed) return earlierRun(request, name, claim.report, startedAt, deps);
  const lock = await deps.ledger.lockSecret(parameterLockKey(name), request.requestId, LOCK_TTL_SECONDS);
  let secret: SecretReport;
  if (!lock.locked) {
    const detail = `request ${lock.heldBy} is rotating this parameter right now; it was not rotated twice`;
    secret = { secret: name, arn: name, ok: true, steps: [{ step: 'lock', outcome: 'skipped', durationMs: 0, detail }] };
  } else {
    try {
      secret = await rotateAndReview(request, name, deps);
    } finally {
      await deps.ledger.releaseSecret(parameterLockKey(name), request.requestId);
    }
  }
  const done = await report(request, name, startedAt, secret, deps);
  await deps.ledger.finishRequest(request.requestId, done, LEDGER_TTL_SECONDS);
  return done;
}

/**
 * `keywarden emergency --repair` for a parameter: under the lock, finishes or undoes the run the
 * journal says died part-way (parameter-repair.ts), and closes its entry when that worked.
 */
export async function repairParameterEmergency(name: string, requestId: string, deps: ParameterEmergencyDeps): Promise<StepRecord> {
  const lock = await deps.ledger.lockSecret(parameterLockKey(name), requestId, LOCK_TTL_SECONDS);
  if (!lock.locked) {
    return { step: 'lock', outcome: 'skipped', durationMs: 0, detail: `request ${lock.heldBy} holds the lock of ${name}; repair after it finishes or its lock expires (${LOCK_TTL_SECONDS / 60} minutes)` };
  }
  try {
    return await timedStep('repair', () => repairStep(name, deps));
  } finally {
    await deps.ledger.releaseSecret(parameterLockKey(name), requestId);
  }
}

async function rotateAndReview(request: EmergencyRequest, name: string, deps: ParameterEmergencyDeps): Promise<SecretReport> {
  const steps: StepRecord[] = [{ step: 'lock', outcome: 'done', durationMs: 0, detail: `locked for request ${request.requestId}` }];
  const repair = await timedStep('repair', () => repairStep(name, deps));
  steps.push(repair);
  let replaced: number | undefined;
  if (repair.outcome === 'failed') {
    steps.push({ step: 'rotate', outcome: 'skipped', durationMs: 0, detail: 'not rotated: a run that died part-way could not be repaired, and rotating over it could lose its value' });
  } else {
    const rotate = await timedStep('rotate', async () => {
      const from = await rotateJournalled(request, name, deps);
      replaced = from.fromVersion;
      return { outcome: 'done', detail: from.detail };
    });
    steps.push(rotate);
  }
  steps.push(
    replaced !== undefined
      ? await timedStep('revoke', async () => {
          const revoked = await revokePreviousParameter(name, deps, { previousVersion: replaced });
          if (!revoked.ok) throw new Error(revoked.detail);
          await deps.journal.end(name, request.requestId);
          return { outcome: 'done', detail: revoked.detail };
        })
      : { step: 'revoke', outcome: 'skipped', durationMs: 0, detail: 'the rotation did not finish: the leaked value is still current, nothing to revoke yet' },
  );
  const secret: SecretReport = { secret: name, arn: name, ok: false, steps };
  steps.push(await reviewStep(request, name, secret, deps));
  secret.ok = steps.every((s) => s.outcome !== 'failed');
  steps.push(await timedStep('notify', () => notify(request, name, secret, deps)));
  secret.ok = steps.every((s) => s.outcome !== 'failed');
  return secret;
}

/** Repairs the entry another request left behind, if any. */
async function repairStep(name: string, deps: ParameterEmergencyDeps): Promise<{ outcome: StepRecord['outcome']; detail: string }> {
  const entry = await deps.journal.read(name);
  if (!entry) return { outcome: 'skipped', detail: 'no run died part-way' };
  const repaired = await repairParameter(entry, deps);
  if (!repaired.repaired) throw new Error(repaired.detail);
  await deps.journal.end(name, entry.requestId);
  return { outcome: 'done', detail: repaired.detail };
}

/** Rotates with every write journalled; the entry stays open until the revocation is done. */
async function rotateJournalled(request: EmergencyRequest, name: string, deps: ParameterEmergencyDeps): Promise<{ fromVersion: number; detail: string }> {
  // Checked again: the repair may have written a version since the first check.
  const checked = await checkParameter(name, deps);
  const entry: ParameterJournalEntry = {
    name,
    requestId: request.requestId,
    strategy: checked.strategy.name,
    fromVersion: checked.current.version,
    phase: 'started',
    startedAt: deps.clock.now().toISOString(),
  };
  const begun = await deps.journal.begin(entry);
  if (!begun.begun) throw new Error(`request ${begun.held.requestId} left a run of ${name} unfinished; run keywarden emergency --repair --secret ${name}`);
  const report = await rotateCheckedParameter(checked, deps, (phase, facts) => deps.journal.advance(name, request.requestId, { phase, ...facts }));
  if (!report.ok) {
    // A failed rotation that put the old value back leaves nothing to repair.
    const restored = report.toVersion === undefined || report.steps.some((s) => s.step === 'restore' && s.ok);
    if (restored) await deps.journal.end(name, request.requestId);
    throw new Error(`${report.error ?? 'rotation failed'}; version ${report.fromVersion} keeps the current label`);
  }
  return { fromVersion: report.fromVersion, detail: `version ${report.toVersion} is current, version ${report.fromVersion} previous` };
}

async function reviewStep(request: EmergencyRequest, name: string, secret: SecretReport, deps: ParameterEmergencyDeps): Promise<StepRecord> {
  return timedStep('access-review', async () => {
    const until = deps.clock.now();
    const review = await reviewAccess(deps.audit, name, new Date(until.getTime() - request.accessReviewDays * 86_400_000), until);
    secret.accessReview = review;
    return { outcome: 'done', detail: `${review.reads} decrypted read(s) by ${review.principals.length} principal(s)${review.truncated ? ' (first records only)' : ''}` };
  });
}

async function notify(request: EmergencyRequest, name: string, secret: SecretReport, deps: ParameterEmergencyDeps): Promise<{ outcome: StepRecord['outcome']; detail: string }> {
  const finding = emergencyFinding(request, secret, deps.tenancy, deps.clock.now());
  const tenant = parameterTenant(name, deps.tenancy);
  if (tenant === undefined) delete finding.tenant;
  else finding.tenant = tenant;
  await deps.publisher.publish([finding]);
  return { outcome: 'done', detail: `finding ${finding.ruleId} (${finding.severity}) published` };
}

async function planParameter(request: EmergencyRequest, name: string, deps: ParameterEmergencyDeps): Promise<SecretReport> {
  const entry = await deps.journal.read(name);
  const steps: StepRecord[] = [
    entry
      ? planned('repair', `would repair the run of request ${entry.requestId} that stopped at ${entry.phase}`)
      : { step: 'repair', outcome: 'skipped', durationMs: 0, detail: 'no run died part-way' },
    planned('rotate', `would write a new version of ${name} and label it current`),
    planned('revoke', 'would take the previous label off the leaked version'),
  ];
  const secret: SecretReport = { secret: name, arn: name, ok: true, steps };
  steps.push(await reviewStep(request, name, secret, deps), planned('notify', 'would publish an emergency.rotation finding'));
  secret.ok = steps.every((s) => s.outcome !== 'failed');
  return secret;
}

function planned(step: StepRecord['step'], detail: string): StepRecord {
  return { step, outcome: 'planned', durationMs: 0, detail };
}

async function report(request: EmergencyRequest, name: string, startedAt: string, secret: SecretReport, deps: ParameterEmergencyDeps): Promise<EmergencyReport> {
  return {
    requestId: request.requestId,
    target: `parameter ${name}`,
    reason: request.reason,
    requestedBy: request.requestedBy,
    dryRun: request.dryRun,
    startedAt,
    finishedAt: deps.clock.now().toISOString(),
    ok: secret.ok,
    replayed: false,
    secrets: [secret],
  };
}

function earlierRun(request: EmergencyRequest, name: string, stored: unknown, startedAt: string, deps: ParameterEmergencyDeps): Promise<EmergencyReport> | EmergencyReport {
  if (stored) return { ...(stored as EmergencyReport), replayed: true };
  return report(request, name, startedAt, { secret: name, arn: name, ok: false, steps: [] }, deps).then((r) => ({ ...r, finishedAt: startedAt, replayed: true }));
}
