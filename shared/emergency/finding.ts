import { dedupKeyOf, type Finding } from '../finding';
import { secretTenant, type TenancyConfig } from '../tenancy';
import type { EmergencyRequest } from './request';
import type { SecretReport } from './report';

const RUNBOOK =
  'An engineer rotated this secret as an emergency. willBreak lists the consumers that read the secret in the review window and ' +
  'have not read the new version: they hold the revoked credential and will fail until they are refreshed (restart, force a sync); ' +
  'refresh them first. Check the access review: every principal that read the secret in the ' +
  'window may hold the leaked value; confirm each is expected, and open an incident for any that is not. If a step failed, ' +
  'the old credential may still work: fix the cause shown in the report and run the emergency again with the same command. ' +
  'If untrustedPending is set, someone stored a pending value outside keywarden (rotation.untrusted-pending): it was discarded ' +
  'unexecuted; find who wrote it in the audit trail (PutSecretValue, UpdateSecretVersionStage).';

/**
 * The finding that tells people an emergency rotation happened: who asked, why, what each step
 * did and who read the secret. Critical when a step failed (the leaked credential may still
 * work), high otherwise.
 */
export function emergencyFinding(request: EmergencyRequest, report: SecretReport, tenancy: TenancyConfig, observedAt: Date): Finding {
  const review = report.accessReview;
  return {
    id: `emergency:${request.requestId}:${report.arn}`,
    ruleId: 'emergency.rotation',
    title: `${report.ok ? 'Emergency rotation' : 'Emergency rotation FAILED'} of ${report.secret}`,
    severity: report.ok ? 'high' : 'critical',
    status: 'open',
    source: 'emergency',
    secret: { name: report.secret, arn: report.arn },
    tenant: secretTenant(report.secret, tenancy),
    principal: { arn: request.requestedBy },
    evidence: {
      reason: request.reason,
      requestedBy: request.requestedBy,
      requestId: request.requestId,
      steps: report.steps.filter((s) => s.step !== 'notify').map((s) => ({ step: s.step, outcome: s.outcome, detail: s.detail })),
      untrustedPending: report.untrustedPending,
      accessReview: review && {
        since: review.since,
        reads: review.reads,
        denied: review.denied,
        truncated: review.truncated,
        principals: review.principals.map((p) => ({ principal: p.principal, reads: p.reads, denied: p.denied, lastAt: p.lastAt, sourceIps: p.sourceIps })),
      },
      // Who will break: they read the secret in the window and not the new version since.
      willBreak: report.willBreak,
    },
    dedupKey: dedupKeyOf('emergency.rotation', report.arn, request.requestId),
    runbook: RUNBOOK,
    observedAt: observedAt.toISOString(),
  };
}
