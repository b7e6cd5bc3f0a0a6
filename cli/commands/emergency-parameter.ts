import { dynamoDb, eventBridge } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { auditSettingsFromEnv } from '../../shared/audit/settings';
import { parameterTenant } from '../../shared/audit/ssm-parameters';
import { tenancyFromEnv } from '../../shared/audit/tenancy';
import { reviewAccess } from '../../shared/emergency/access-review';
import { emergencyFinding } from '../../shared/emergency/finding';
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
 * keyring, writes a current value without the leaked key). The access review reads the stage's
 * audit table (decrypted reads of the parameter), and the notice is the same `emergency.rotation`
 * finding, on the stage's bus. Not done for parameters: the lock, the repair, the ledger.
 */
export async function parameterEmergency(request: EmergencyRequest, secretId: string, stage: string): Promise<EmergencyReport> {
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
    let replaced: number | undefined;
    const rotate = await timedStep('rotate', async () => {
      const report = await rotateParameter(name, deps);
      if (!report.ok) throw new Error(`${report.error ?? 'rotation failed'}; version ${report.fromVersion} keeps the current label`);
      replaced = report.fromVersion;
      return { outcome: 'done', detail: `version ${report.toVersion} is current, version ${report.fromVersion} previous` };
    });
    steps.push(rotate);
    steps.push(
      rotate.outcome === 'done'
        ? await timedStep('revoke', async () => {
            const revoked = await revokePreviousParameter(name, deps, { previousVersion: replaced });
            if (!revoked.ok) throw new Error(revoked.detail);
            return { outcome: 'done', detail: revoked.detail };
          })
        : { step: 'revoke', outcome: 'skipped', durationMs: 0, detail: 'the rotation failed: the leaked value is still current, nothing to revoke yet' },
    );
  }
  const settings = auditSettingsFromEnv({ ...process.env, KEYWARDEN_STAGE: stage });
  const secret: SecretReport = { secret: name, arn: name, ok: false, steps };
  if (request.dryRun) {
    steps.push(planned('access-review', `would list who read ${name} in the last ${request.accessReviewDays} days from ${settings.auditTable}`), planned('notify', 'would publish an emergency.rotation finding'));
  } else {
    steps.push(
      await timedStep('access-review', async () => {
        const until = new Date();
        const review = await reviewAccess(new DynamoDbAuditStore(dynamoDb(), settings.auditTable, settings.retentionDays), name, new Date(until.getTime() - request.accessReviewDays * 86_400_000), until);
        secret.accessReview = review;
        return { outcome: 'done', detail: `${review.reads} decrypted read(s) by ${review.principals.length} principal(s)${review.truncated ? ' (first records only)' : ''}` };
      }),
    );
    secret.ok = steps.every((s) => s.outcome !== 'failed');
    steps.push(
      await timedStep('notify', async () => {
        const tenancy = tenancyFromEnv();
        const finding = emergencyFinding(request, secret, tenancy, new Date());
        const tenant = parameterTenant(name, tenancy);
        if (tenant === undefined) delete finding.tenant;
        else finding.tenant = tenant;
        await new EventBridgeFindingPublisher(eventBridge(), settings.findingsBus).publish([finding]);
        return { outcome: 'done', detail: `finding ${finding.ruleId} (${finding.severity}) published to ${settings.findingsBus}` };
      }),
    );
  }
  secret.ok = steps.every((s) => s.outcome !== 'failed');
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
