import { AWSCURRENT, AWSPENDING } from '../secrets-store';
import { parameterTenant } from '../audit/ssm-parameters';
import { DEFAULT_TENANCY, secretTenant, type TenancyConfig } from '../tenancy';
import type { InventoryKind, ReplicaSummary, SecretSummary } from './inventory';
import { resolvePolicy, type PolicyOverrides, type ResolvedPolicy } from './policies';
import { DEFAULT_MISSED_WINDOWS, missedWindowsOf, nextScheduledRotation, scheduleOf, schedulePolicyProblem } from './schedule-check';
import { deriveSecretType, type SecretType, type TypeSource } from './secret-type';

/**
 * One secret's standing against its policy, from metadata alone.
 *
 * - age: days since the later of LastRotatedDate and LastChangedDate (a manual PutSecretValue
 *   is a change of value too), or since CreatedDate when neither is known.
 * - stale: age above the policy's max age; due soon: within its warning window.
 * - unused: not read for the policy's unusedDays (LastAccessedDate, or CreatedDate when the
 *   secret was never read).
 * - rotation disabled: RotationEnabled is false.
 * - rotation failing, decided from metadata (see {@link rotationFailureOf}); for a secret on a
 *   `ScheduleExpression`, also the last windows closing without a rotation (schedule-check.ts).
 * - schedule policy: the policy requires a schedule or a window that the rotation rules lack.
 */

/** Conditions, in the order that picks a secret's status: the first one present wins. */
export const CONDITIONS = ['rotation-failing', 'stale', 'unused', 'schedule-policy', 'due-soon', 'rotation-disabled'] as const;
export type Condition = (typeof CONDITIONS)[number];
/** A secret's status: its most urgent condition, or ok. */
export type SecretStatus = Condition | 'ok';
/** Every status, most urgent first. */
export const STATUSES: readonly SecretStatus[] = [...CONDITIONS, 'ok'];

/** Settings of an assessment besides the policies. */
export interface AssessmentSettings {
  overrides?: PolicyOverrides;
  tenancy?: TenancyConfig;
  /** How long a rotation may take before a pending or overdue one counts as failing; default 60. */
  rotationGraceMinutes?: number;
  /** How many closed schedule windows in a row without a rotation count as failing; default 2. */
  missedWindows?: number;
}

/** What the scan knows about one secret. */
export interface SecretAssessment {
  /** A Secrets Manager secret or an SSM SecureString parameter. */
  kind: InventoryKind;
  name: string;
  arn: string;
  tenant?: string;
  type: SecretType;
  typeSource: TypeSource;
  policy: ResolvedPolicy;
  /** Days since the age basis, fractional. */
  ageDays: number;
  /** The instant age is counted from (ISO), absent when ListSecrets gave no date at all. */
  ageBasis?: string;
  /** When the secret becomes (or became) stale, ISO. */
  staleAt?: string;
  lastAccessedDate?: string;
  /** Days since the last read, or since creation when never read. */
  unreadDays: number;
  rotationEnabled: boolean;
  /** ListSecrets' NextRotationDate, or the next window of the schedule when ListSecrets gives none. */
  nextRotationDate?: string;
  /** RotationRules.ScheduleExpression and Duration, when set. */
  rotationSchedule?: string;
  rotationWindow?: string;
  /** Why rotation counts as failing, when it does. */
  rotationFailure?: string;
  /** Which schedule requirement of the policy the secret breaks, when it does. */
  schedulePolicy?: string;
  conditions: Condition[];
  status: SecretStatus;
  /** The account and region the secret lives in. */
  accountId?: string;
  region?: string;
  /** The regions it is replicated to: replicas are rotated through this secret and listed under it. */
  replicas?: ReplicaSummary[];
}

const DAY_MS = 86_400_000;
/** The default grace before a pending or overdue rotation counts as failing. */
export const DEFAULT_ROTATION_GRACE_MINUTES = 60;

/** Assesses one secret as of `now`. */
export function assessSecret(secret: SecretSummary, now: Date, settings: AssessmentSettings = {}): SecretAssessment {
  const tenancy = settings.tenancy ?? DEFAULT_TENANCY;
  const tenant = secret.kind === 'parameter' ? parameterTenant(secret.name, tenancy) : secretTenant(secret.name, tenancy);
  const { type, source: typeSource } = deriveSecretType(secret);
  const policy = resolvePolicy(type, tenant, secret.tags, settings.overrides);
  const basis = ageBasis(secret);
  const ageDays = basis ? Math.max(0, (now.getTime() - basis.getTime()) / DAY_MS) : 0;
  const lastRead = secret.lastAccessedDate ?? secret.createdDate;
  const unreadDays = lastRead ? Math.max(0, (now.getTime() - lastRead.getTime()) / DAY_MS) : 0;
  const graceMinutes = settings.rotationGraceMinutes ?? DEFAULT_ROTATION_GRACE_MINUTES;
  const { schedule } = scheduleOf(secret);
  const rotationFailure =
    rotationFailureOf(secret, now, graceMinutes) ??
    (schedule && missedWindowsOf(secret, schedule, now, graceMinutes * 60_000, settings.missedWindows ?? DEFAULT_MISSED_WINDOWS));
  const schedulePolicy = schedulePolicyProblem(secret, policy);
  const nextRotationDate = secret.nextRotationDate ?? (schedule && secret.rotationEnabled ? nextScheduledRotation(secret, schedule, now) : undefined);

  const present: Record<Condition, boolean> = {
    'rotation-failing': Boolean(rotationFailure),
    stale: ageDays > policy.maxAgeDays,
    unused: lastRead !== undefined && unreadDays > policy.unusedDays,
    'schedule-policy': schedulePolicy !== undefined,
    'due-soon': ageDays <= policy.maxAgeDays && ageDays > policy.maxAgeDays - policy.warnDays,
    'rotation-disabled': !secret.rotationEnabled,
  };
  const conditions = CONDITIONS.filter((condition) => present[condition]);
  const assessment: SecretAssessment = {
    kind: secret.kind ?? 'secret',
    name: secret.name,
    arn: secret.arn,
    type,
    typeSource,
    policy,
    ageDays,
    unreadDays,
    rotationEnabled: secret.rotationEnabled,
    conditions,
    status: conditions[0] ?? 'ok',
  };
  if (tenant !== undefined) assessment.tenant = tenant;
  if (basis) {
    assessment.ageBasis = basis.toISOString();
    assessment.staleAt = new Date(basis.getTime() + policy.maxAgeDays * DAY_MS).toISOString();
  }
  if (secret.lastAccessedDate) assessment.lastAccessedDate = secret.lastAccessedDate.toISOString();
  if (nextRotationDate) assessment.nextRotationDate = nextRotationDate.toISOString();
  if (secret.rotationSchedule !== undefined) assessment.rotationSchedule = secret.rotationSchedule;
  if (secret.rotationWindow !== undefined) assessment.rotationWindow = secret.rotationWindow;
  if (rotationFailure) assessment.rotationFailure = rotationFailure;
  if (schedulePolicy !== undefined) assessment.schedulePolicy = schedulePolicy;
  if (secret.accountId) assessment.accountId = secret.accountId;
  if (secret.region) assessment.region = secret.region;
  if (secret.replicas && secret.replicas.length > 0) assessment.replicas = secret.replicas.map((r) => ({ ...r }));
  return assessment;
}

/** The instant a secret's age counts from: its last rotation or change, else its creation. */
export function ageBasis(secret: Pick<SecretSummary, 'lastRotatedDate' | 'lastChangedDate' | 'createdDate'>): Date | undefined {
  const candidates = [secret.lastRotatedDate, secret.lastChangedDate].filter((d): d is Date => d !== undefined);
  if (candidates.length > 0) return new Date(Math.max(...candidates.map((d) => d.getTime())));
  return secret.createdDate;
}

/**
 * Whether the last rotation failed, from metadata alone (ListSecrets gives no rotation history):
 *
 * 1. Stuck: a version labelled AWSPENDING that is not AWSCURRENT, and the secret has not changed
 *    for the grace period. A rotation that works moves AWSCURRENT onto the pending version within
 *    minutes (each step is one Lambda invocation); a pending label that sits still means a step
 *    failed and Secrets Manager will not start another rotation until it is cleared.
 * 2. Overdue: rotation is enabled and NextRotationDate is more than the grace period in the past.
 *    A rotation that completes moves NextRotationDate forward, so a date left behind means the
 *    scheduled rotation did not complete. A secret on a ScheduleExpression is judged by its
 *    windows instead (schedule-check.ts): one window missed is not yet a failing rotation.
 *
 * Returns the reason, or undefined when rotation looks healthy (or is off).
 */
export function rotationFailureOf(secret: SecretSummary, now: Date, graceMinutes = DEFAULT_ROTATION_GRACE_MINUTES): string | undefined {
  const graceMs = graceMinutes * 60_000;
  const pending = Object.entries(secret.versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));
  const lastChange = secret.lastChangedDate ?? secret.createdDate;
  if (pending && lastChange && now.getTime() - lastChange.getTime() > graceMs) {
    return `version ${pending[0]} is AWSPENDING but not AWSCURRENT, and the secret has not changed since ${lastChange.toISOString()}`;
  }
  if (secret.rotationEnabled && secret.rotationSchedule === undefined && secret.nextRotationDate && now.getTime() - secret.nextRotationDate.getTime() > graceMs) {
    return `the scheduled rotation due ${secret.nextRotationDate.toISOString()} has not completed`;
  }
  return undefined;
}
