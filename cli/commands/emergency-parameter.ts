import { InvalidRequestError } from '../../shared/errors';
import { timedStep, type EmergencyReport, type SecretReport, type StepRecord } from '../../shared/emergency/report';
import type { EmergencyRequest } from '../../shared/emergency/request';
import { checkParameter, ParameterNotFoundError, revokePreviousParameter, rotateParameter } from '../../shared/ssm/parameter-rotation';
import { splitSelector } from '../../shared/audit/ssm-parameters';
import { CliExit, ExitCode } from '../exit-codes';
import { parameterDeps } from './rotate-parameter';

/**
 * `keywarden emergency --secret /path/name`: the runbook's rotate and revoke steps for an SSM
 * SecureString parameter, run in this process with the caller's credentials (the emergency
 * function handles Secrets Manager secrets only). The rotation is the one `keywarden rotate`
 * does; the revocation takes the `previous` label off the leaked version (and, for a keyset or
 * keyring, writes a current value without the leaked key). The access review and the notice are
 * not run for parameters: the report says so and names the audit query to run by hand.
 */
export async function parameterEmergency(request: EmergencyRequest, secretId: string): Promise<EmergencyReport> {
  const { name, selector } = splitSelector(secretId);
  if (selector !== undefined) throw new InvalidRequestError(`name the parameter without a version or label (":${selector.slice(0, 20)}")`);
  const deps = parameterDeps();
  const startedAt = new Date().toISOString();
  // Every refusal (scope, type, strategy) comes before anything is written, dry run or not.
  await checkParameter(name, deps).catch((error: unknown) => {
    if (error instanceof ParameterNotFoundError) throw new CliExit(ExitCode.NotFound, error.message);
    throw error;
  });
  const steps: StepRecord[] = [];
  if (request.dryRun) {
    steps.push(planned('rotate', `would write a new version of ${name} and label it current`), planned('revoke', 'would take the previous label off the leaked version'));
  } else {
    const rotate = await timedStep('rotate', async () => {
      const report = await rotateParameter(name, deps);
      if (!report.ok) throw new Error(`${report.error ?? 'rotation failed'}; version ${report.fromVersion} keeps the current label`);
      return { outcome: 'done', detail: `version ${report.toVersion} is current, version ${report.fromVersion} previous` };
    });
    steps.push(rotate);
    steps.push(
      rotate.outcome === 'done'
        ? await timedStep('revoke', async () => {
            const revoked = await revokePreviousParameter(name, deps);
            if (!revoked.ok) throw new Error(revoked.detail);
            return { outcome: 'done', detail: revoked.detail };
          })
        : { step: 'revoke', outcome: 'skipped', durationMs: 0, detail: 'the rotation failed: the leaked value is still current, nothing to revoke yet' },
    );
  }
  const reviewDays = request.accessReviewDays;
  steps.push({ step: 'access-review', outcome: 'skipped', durationMs: 0, detail: `not run for parameters: run \`keywarden audit query --secret ${name} --since ${reviewDays}d\`` });
  steps.push({ step: 'notify', outcome: 'skipped', durationMs: 0, detail: 'not sent for parameters: no emergency finding is published' });
  const secret: SecretReport = { secret: name, arn: name, ok: steps.every((s) => s.outcome !== 'failed'), steps };
  return {
    requestId: request.requestId,
    target: `parameter ${name}`,
    reason: request.reason,
    requestedBy: request.requestedBy,
    dryRun: request.dryRun,
    startedAt,
    finishedAt: new Date().toISOString(),
    ok: secret.ok,
    replayed: false,
    secrets: [secret],
  };
}

function planned(step: StepRecord['step'], detail: string): StepRecord {
  return { step, outcome: 'planned', durationMs: 0, detail };
}
