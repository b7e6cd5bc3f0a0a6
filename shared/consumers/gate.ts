import type { Finding } from '../finding';
import type { AuditRecord } from '../audit/record';
import type { AuditStore } from '../audit/store';
import { keyTenant } from '../secret-tenancy';
import type { TenancyConfig } from '../tenancy';
import type { Clock } from '../clock';
import { ConsumersHeldError } from '../errors';
import { AWSCURRENT, versionWithStage, type SecretMetadata } from '../secrets-store';
import { judgeFreshness, wouldBreak } from './freshness';
import { wouldBreakFinding, type GateDecision } from './finding';
import { readConsumers } from './reader';
import { policyOf, type ConsumerSettings } from './settings';

/**
 * The check before a rotation that makes the previous credential invalid (alternating users: the
 * user that is not current gets a new password, so whoever still holds AWSPREVIOUS fails). It runs
 * in createSecret before anything is written; it asks the map who still holds that credential
 * (active consumers that have not read since the current version became AWSCURRENT) and, by the
 * secret's policy: `hold` throws {@link ConsumersHeldError} with a finding naming them (Secrets
 * Manager retries later), `warn` publishes the finding and goes on, `proceed` goes on without
 * reading the audit trail.
 *
 * A hold is bounded: it lasts at most `maxHoldHours` from the first attempt of this rotation the
 * audit trail shows (a successful RotateSecret or the service's RotationStarted/RotationFailed
 * after the change), so a principal that read the secret once and stopped cannot hold its
 * rotation for ever; then the rotation proceeds with a finding that says who will break.
 */

/** What the gate needs. */
export interface ConsumerGateDeps {
  audit: AuditStore;
  publish(findings: readonly Finding[]): Promise<void>;
  settings: ConsumerSettings;
  clock: Clock;
  tenancy?: TenancyConfig;
}

/** What the gate decided (names and counts only: safe to log). */
export interface GateOutcome {
  decision: 'proceed' | GateDecision;
  policy: string;
  atRisk: number;
}

/** The check itself; throws ConsumersHeldError to hold. */
export async function checkConsumersBeforeInvalidating(metadata: SecretMetadata, token: string, deps: ConsumerGateDeps): Promise<GateOutcome> {
  const { policy, source, ignoredTag } = policyOf(metadata.tags, deps.settings.policy);
  const policySource = ignoredTag ? 'stage (the tag names no policy and was ignored)' : source;
  if (policy === 'proceed') return { decision: 'proceed', policy, atRisk: 0 };
  const now = deps.clock.now();
  const currentVersionId = versionWithStage(metadata, AWSCURRENT);
  const reading = await readConsumers(deps.audit, { name: metadata.name, currentVersionId, lastRotatedDate: metadata.lastRotatedDate, lastChangedDate: metadata.lastChangedDate }, now, deps.settings.windowDays);
  if (!reading.currentSince) return { decision: 'proceed', policy, atRisk: 0 };
  const atRisk = wouldBreak(judgeFreshness(reading.map, reading.currentSince.at, now, deps.settings));
  if (atRisk.length === 0) return { decision: 'proceed', policy, atRisk: 0 };
  // When the window was truncated (a flood of reads, denied ones too, pushes the first attempts out
  // of the newest records), the hold counts from the change itself: anyone able to make calls must
  // not be able to hold a rotation for ever.
  const heldSince = policy === 'hold' ? firstAttempt(reading.records, reading.currentSince.at) ?? (reading.truncated ? reading.currentSince.at : now.toISOString()) : undefined;
  const expired = heldSince !== undefined && now.getTime() - Date.parse(heldSince) >= deps.settings.maxHoldHours * 3_600_000;
  const decision: GateDecision = policy === 'warn' ? 'warned' : expired ? 'hold-expired' : 'held';
  const secret = { name: metadata.name, arn: metadata.arn, tenant: keyTenant(metadata.name, deps.tenancy) };
  const details = { token, policy, policySource, currentSince: reading.currentSince.at, heldSince, truncated: reading.truncated };
  await deps.publish([wouldBreakFinding(secret, decision, details, atRisk, now)]);
  if (decision === 'held') {
    throw new ConsumersHeldError(
      `rotation of secret ${metadata.name} held before any change: ${atRisk.length} consumer(s) have not read it since ${reading.currentSince.at} and would lose the credential this rotation invalidates (policy hold, ${policySource}); the finding ${'rotation.consumers-would-break'} names them`,
    );
  }
  return { decision, policy, atRisk: atRisk.length };
}

const ATTEMPT_EVENTS = new Set(['RotateSecret', 'RotationStarted', 'RotationFailed']);

/** The earliest successful attempt to rotate since the change, which the hold is counted from. */
function firstAttempt(records: readonly AuditRecord[], since: string): string | undefined {
  let first: string | undefined;
  for (const record of records) {
    if (record.errorCode || !ATTEMPT_EVENTS.has(record.eventName) || record.time <= since) continue;
    if (first === undefined || record.time < first) first = record.time;
  }
  return first;
}
