import { dynamoDb, eventBridge } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { DynamoDbEmergencyLedger } from '../../shared/aws/dynamodb-emergency-ledger';
import { DynamoDbParameterJournal } from '../../shared/aws/dynamodb-parameter-journal';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { auditSettingsFromEnv } from '../../shared/audit/settings';
import { splitSelector } from '../../shared/audit/ssm-parameters';
import { tenancyFromEnv } from '../../shared/tenancy';
import type { EmergencyReport } from '../../shared/emergency/report';
import type { EmergencyRequest } from '../../shared/emergency/request';
import { emergencyTableName } from '../../shared/emergency/settings';
import { InvalidRequestError } from '../../shared/errors';
import { repairParameterEmergency, runParameterEmergency, type ParameterEmergencyDeps } from '../../shared/ssm/parameter-emergency';
import { ParameterNotFoundError } from '../../shared/ssm/parameter-rotation';
import { CliExit, ExitCode } from '../exit-codes';
import { parameterDeps } from './rotate-parameter';

/**
 * `keywarden emergency --secret /path/name`: the parameter runbook (shared/ssm/parameter-emergency.ts)
 * in this process with the caller's credentials (the emergency function handles Secrets Manager
 * secrets only), against the stage's emergency table (request claims, the lock, the journal),
 * audit table and bus.
 */
export async function parameterEmergency(request: EmergencyRequest, secretId: string, stage: string): Promise<EmergencyReport> {
  const name = parameterName(secretId);
  return runParameterEmergency(request, name, parameterEmergencyDeps(stage)).catch(notFound);
}

/** `keywarden emergency --repair --secret /path/name`: repairs a run that died part-way. */
export async function parameterRepair(secretId: string, stage: string, requestId: string): Promise<EmergencyReport> {
  const name = parameterName(secretId);
  const startedAt = new Date().toISOString();
  const step = await repairParameterEmergency(name, requestId, parameterEmergencyDeps(stage));
  const ok = step.outcome !== 'failed' && step.step === 'repair';
  return {
    requestId,
    target: `parameter ${name}`,
    reason: 'repair',
    requestedBy: '',
    dryRun: false,
    startedAt,
    finishedAt: new Date().toISOString(),
    ok,
    replayed: false,
    secrets: [{ secret: name, arn: name, ok, steps: [step] }],
  };
}

function parameterName(secretId: string): string {
  const { name, selector } = splitSelector(secretId);
  if (selector !== undefined) throw new InvalidRequestError(`name the parameter without a version or label (":${selector.slice(0, 20)}")`);
  return name;
}

function notFound(error: unknown): never {
  if (error instanceof ParameterNotFoundError) throw new CliExit(ExitCode.NotFound, error.message);
  throw error;
}

/** The adapters a parameter emergency runs with, for `stage`. */
export function parameterEmergencyDeps(stage: string): ParameterEmergencyDeps {
  const settings = auditSettingsFromEnv({ ...process.env, KEYWARDEN_STAGE: stage });
  const table = process.env.KEYWARDEN_EMERGENCY_TABLE ?? emergencyTableName(stage);
  return {
    ...parameterDeps(),
    ledger: new DynamoDbEmergencyLedger(dynamoDb(), table),
    journal: new DynamoDbParameterJournal(dynamoDb(), table),
    audit: new DynamoDbAuditStore(dynamoDb(), settings.auditTable, settings.retentionDays),
    publisher: new EventBridgeFindingPublisher(eventBridge(), settings.findingsBus),
    tenancy: tenancyFromEnv(),
  };
}
