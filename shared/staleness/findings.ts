import { dedupKeyOf, type Finding, type Severity } from '../finding';
import { arnLocation, scopeLabel, type AccountScope } from '../accounts';
import type { SecretAssessment } from './assess';
import type { OpenFindingRecord } from './finding-state';
import type { HygieneIssue } from './hygiene';
import type { ScopeFailure } from './scopes';
import { DEFAULT_VERSION_WARN, SECRET_VERSION_QUOTA, type VersionCount } from './version-watch';

/**
 * Findings from a scan: one per secret and rule, at most once per UTC day while the condition
 * lasts, and a `resolved` finding with the same dedup key when it clears (or the secret is gone).
 * Deciding what to send is pure ({@link planFindings}); the scan sends and records it.
 */

/** The staleness rules. */
export const STALENESS_RULES = {
  stale: 'staleness.stale',
  unused: 'staleness.unused',
  rotationFailing: 'staleness.rotation-failing',
  weakValue: 'staleness.weak-value',
  schedulePolicy: 'staleness.schedule-policy',
  versionLimit: 'staleness.version-limit',
  accountUnreachable: 'staleness.account-unreachable',
} as const;
export type StalenessRuleId = (typeof STALENESS_RULES)[keyof typeof STALENESS_RULES];

/** What on-call should do, by rule. */
const RUNBOOKS: Record<StalenessRuleId, string> = {
  'staleness.stale':
    'The secret is older than its rotation policy allows. Rotate it now (`keywarden rotate <secret>`), then find out why scheduled rotation did not: is rotation enabled, and does the rotate function log a failure for it? If the policy is wrong for this secret, set the tag keywarden:max-age-days.',
  'staleness.unused':
    'Nobody has read the secret for longer than its policy allows. Check with its owner whether it is still needed; if not, schedule its deletion (DeleteSecret keeps it recoverable for 7-30 days). An unused credential is one nobody will notice being abused.',
  'staleness.rotation-failing':
    "The secret's rotation did not complete. Read the rotate function's logs for this secret, fix the cause (target unreachable, permissions, a malformed value), then finish or restart the rotation with `keywarden rotate <secret>`, which resumes an unfinished one.",
  'staleness.weak-value':
    'The hygiene check found a placeholder, a well-known default or a weak value in the secret. Rotate it to a generated value now, and check whether the weak value was ever used against the real system.',
  'staleness.schedule-policy':
    "The secret's rotation rules lack a schedule or a window its policy requires. Set them with `keywarden rotate <secret> --schedule 'cron(0 3 ? * SUN *)' --window 3h --no-rotate-immediately` (which also tests the rotation function on the current value), or change the policy if this secret is an exception.",
  'staleness.version-limit':
    'The secret is gaining versions faster than Secrets Manager removes them (it keeps every version younger than 24 hours, and refuses new ones past 100). Find what writes it (the audit trail: PutSecretValue, UpdateSecret, RotateSecret by principal) and slow it to at most one write every 10 minutes, before rotation and writes start failing.',
  'staleness.account-unreachable':
    "keywarden could not read this account and region, so its secrets are neither assessed nor resolved. Check the member role (deploy/member-account-role.yml) exists in that account, trusts this stage's staleness role with the configured external id, and allows ListSecrets in that region; a throttle clears by itself.",
};

/** A rule that currently fires for a secret. */
export interface ActiveProblem {
  ruleId: Exclude<StalenessRuleId, 'staleness.account-unreachable'>;
  assessment: SecretAssessment;
  /** For weak-value: what the hygiene check found (field names and reasons, never values). */
  hygiene?: HygieneIssue[];
  /** For version-limit: the count. */
  versions?: VersionCount;
}

/** An account and region the scan could not read. */
export interface UnreachableScope {
  scope: AccountScope;
  failure: ScopeFailure;
}

/** Version-limit settings: a finding once a secret holds `warnAt` versions. */
export interface VersionLimit {
  warnAt: number;
}

/** The rules a secret's assessment (and hygiene result, if checked, and version count, if counted) fires. */
export function problemsOf(assessment: SecretAssessment, hygiene?: HygieneIssue[], versions?: VersionCount, limit: VersionLimit = { warnAt: DEFAULT_VERSION_WARN }): ActiveProblem[] {
  const out: ActiveProblem[] = [];
  if (assessment.conditions.includes('stale')) out.push({ ruleId: STALENESS_RULES.stale, assessment });
  if (assessment.conditions.includes('unused')) out.push({ ruleId: STALENESS_RULES.unused, assessment });
  if (assessment.conditions.includes('rotation-failing')) out.push({ ruleId: STALENESS_RULES.rotationFailing, assessment });
  if (assessment.conditions.includes('schedule-policy')) out.push({ ruleId: STALENESS_RULES.schedulePolicy, assessment });
  if (hygiene && hygiene.length > 0) out.push({ ruleId: STALENESS_RULES.weakValue, assessment, hygiene });
  if (versions && versions.versions >= limit.warnAt) out.push({ ruleId: STALENESS_RULES.versionLimit, assessment, versions });
  return out;
}

/** The key a scope's unreachable finding is kept under: account and region. */
function scopeKey(scope: Pick<AccountScope, 'accountId' | 'region'>): string {
  return `scope:${scopeLabel(scope)}`;
}

/** The dedup key of a rule for a secret: the same for its open and resolved findings. */
export function stalenessDedupKey(ruleId: StalenessRuleId, secretArn: string): string {
  return dedupKeyOf(ruleId, secretArn);
}

/** What to send and record after a scan. */
export interface FindingPlan {
  publish: Finding[];
  save: OpenFindingRecord[];
  remove: string[];
  counts: { opened: number; repeated: number; alreadySentToday: number; resolved: number };
}

/** Options of {@link planFindings}. */
export interface PlanOptions {
  now: Date;
  /** Every secret the scan listed (ARNs): a record for a secret not among them is resolved. */
  listed: ReadonlySet<string>;
  /** Secrets whose value the hygiene check read this run: only their weak-value findings can resolve. */
  hygieneChecked: ReadonlySet<string>;
  /** Days a record outlives its last sending; default 7. */
  ttlDays?: number;
  /** Scopes that could not be read: their secrets' findings stay open, and each gets a finding of its own. */
  unreachable?: readonly UnreachableScope[];
  /** Version counts that could be taken: only those secrets' version-limit findings can resolve. */
  versionsCounted?: ReadonlySet<string>;
}

/**
 * Compares what fires now with what is open: a new problem is sent; an open one is sent again
 * when it was last sent on an earlier UTC day; one that no longer fires is resolved.
 */
export function planFindings(active: readonly ActiveProblem[], open: readonly OpenFindingRecord[], options: PlanOptions): FindingPlan {
  const { now } = options;
  const day = utcDay(now);
  const expiresAt = Math.floor(now.getTime() / 1000) + (options.ttlDays ?? 7) * 86_400;
  const openByKey = new Map(open.map((record) => [record.dedupKey, record]));
  const plan: FindingPlan = { publish: [], save: [], remove: [], counts: { opened: 0, repeated: 0, alreadySentToday: 0, resolved: 0 } };
  const firing = new Set<string>();

  /** Sends a firing problem once per UTC day and records it; `build` makes its finding and record. */
  const fire = (key: string, build: () => { finding: Finding; subject: Pick<OpenFindingRecord, 'secretArn' | 'secretName' | 'tenant'> }) => {
    firing.add(key);
    const record = openByKey.get(key);
    if (record?.lastPublishedDay === day) {
      plan.counts.alreadySentToday += 1;
      return;
    }
    plan.counts[record ? 'repeated' : 'opened'] += 1;
    const { finding, subject } = build();
    plan.publish.push(finding);
    plan.save.push({ dedupKey: key, ruleId: finding.ruleId, severity: finding.severity, ...subject, openedAt: record?.openedAt ?? now.toISOString(), lastPublishedDay: day, expiresAt });
  };

  for (const problem of active) {
    const a = problem.assessment;
    const key = stalenessDedupKey(problem.ruleId, a.arn);
    fire(key, () => ({ finding: openFinding(problem, key, now), subject: { secretArn: a.arn, secretName: a.name, ...(a.tenant !== undefined ? { tenant: a.tenant } : {}) } }));
  }

  const unreachable = options.unreachable ?? [];
  for (const { scope, failure } of unreachable) {
    const key = stalenessDedupKey(STALENESS_RULES.accountUnreachable, scopeKey(scope));
    fire(key, () => ({ finding: unreachableFinding(scope, failure, key, now), subject: { secretArn: scopeKey(scope), secretName: scopeLabel(scope) } }));
  }
  // The home scope's account may be unknown (''): then its region is dark for every account.
  const dark = (at: { accountId: string; region: string }) => unreachable.some(({ scope }) => scope.region === at.region && (!scope.accountId || scope.accountId === at.accountId));

  for (const record of open) {
    if (firing.has(record.dedupKey)) continue;
    const location = arnLocation(record.secretArn);
    // A secret of a scope that could not be read is neither fixed nor gone: we do not know.
    if (location && dark(location)) continue;
    const gone = record.ruleId !== STALENESS_RULES.accountUnreachable && !options.listed.has(record.secretArn);
    // A weak value can only be cleared by reading the value again; otherwise keep it open.
    if (!gone && record.ruleId === STALENESS_RULES.weakValue && !options.hygieneChecked.has(record.secretArn)) continue;
    // A version count that could not be taken this scan says nothing.
    if (!gone && record.ruleId === STALENESS_RULES.versionLimit && options.versionsCounted && !options.versionsCounted.has(record.secretArn) && recentlyOpened(record, now)) continue;
    plan.counts.resolved += 1;
    plan.publish.push(resolvedFinding(record, now, gone));
    plan.remove.push(record.dedupKey);
  }
  return plan;
}

/** `YYYY-MM-DD` of an instant, in UTC: the unit of "once per day". */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function openFinding(problem: ActiveProblem, dedupKey: string, now: Date): Finding {
  const a = problem.assessment;
  const { title, severity, evidence } = describe(problem);
  const finding: Finding = {
    id: `${dedupKey}/${utcDay(now)}`,
    ruleId: problem.ruleId,
    title,
    severity,
    status: 'open',
    source: 'staleness',
    secret: { name: a.name, arn: a.arn },
    evidence: { type: a.type, typeSource: a.typeSource, ...evidence },
    dedupKey,
    runbook: RUNBOOKS[problem.ruleId],
    observedAt: now.toISOString(),
  };
  if (a.tenant !== undefined) finding.tenant = a.tenant;
  if (a.accountId) finding.account = a.accountId;
  if (a.region) finding.evidence.region = a.region;
  return finding;
}

/** A scope that could not be read: named by account and region, with the step and the error code only. */
function unreachableFinding(scope: AccountScope, failure: ScopeFailure, dedupKey: string, now: Date): Finding {
  const finding: Finding = {
    id: `${dedupKey}/${utcDay(now)}`,
    ruleId: STALENESS_RULES.accountUnreachable,
    title: `Account ${scope.accountId || 'home'} in ${scope.region} could not be scanned (${failure.step}: ${failure.code})`,
    severity: 'high',
    status: 'open',
    source: 'staleness',
    evidence: { region: scope.region, step: failure.step, errorCode: failure.code, ...(scope.roleArn && { roleArn: scope.roleArn }) },
    dedupKey,
    runbook: RUNBOOKS[STALENESS_RULES.accountUnreachable],
    observedAt: now.toISOString(),
  };
  if (scope.accountId) finding.account = scope.accountId;
  return finding;
}

/** A version-limit finding whose count could not be taken is kept only while it is young: the churn it reported has passed after a day. */
function recentlyOpened(record: OpenFindingRecord, now: Date): boolean {
  return now.getTime() - Date.parse(record.openedAt) < 86_400_000;
}

function describe(problem: ActiveProblem): { title: string; severity: Severity; evidence: Record<string, unknown> } {
  const a = problem.assessment;
  const age = Math.floor(a.ageDays);
  switch (problem.ruleId) {
    case 'staleness.stale':
      return {
        title: `Secret ${a.name} is ${age} days old; its ${a.type} policy allows ${a.policy.maxAgeDays}`,
        severity: a.ageDays >= 2 * a.policy.maxAgeDays ? 'high' : 'medium',
        evidence: {
          ageDays: oneDecimal(a.ageDays),
          maxAgeDays: a.policy.maxAgeDays,
          policySource: a.policy.source,
          ageBasis: a.ageBasis,
          staleSince: a.staleAt,
          rotationEnabled: a.rotationEnabled,
          nextRotationDate: a.nextRotationDate,
        },
      };
    case 'staleness.unused':
      return {
        title: `Secret ${a.name} has not been read for ${Math.floor(a.unreadDays)} days`,
        severity: 'low',
        evidence: { unreadDays: oneDecimal(a.unreadDays), unusedDays: a.policy.unusedDays, lastAccessedDate: a.lastAccessedDate ?? 'never' },
      };
    case 'staleness.rotation-failing':
      return {
        title: `Rotation of secret ${a.name} is failing`,
        severity: 'high',
        evidence: {
          reason: a.rotationFailure,
          rotationEnabled: a.rotationEnabled,
          nextRotationDate: a.nextRotationDate,
          rotationSchedule: a.rotationSchedule,
          rotationWindow: a.rotationWindow,
          ageDays: oneDecimal(a.ageDays),
        },
      };
    case 'staleness.schedule-policy':
      return {
        title: `Secret ${a.name} has no rotation schedule or window its ${a.type} policy requires`,
        severity: 'medium',
        evidence: {
          reason: a.schedulePolicy,
          requireSchedule: a.policy.requireSchedule,
          requireWindow: a.policy.requireWindow,
          rotationEnabled: a.rotationEnabled,
          rotationSchedule: a.rotationSchedule,
          rotationWindow: a.rotationWindow,
        },
      };
    case 'staleness.weak-value':
      return {
        title: `Secret ${a.name} holds a weak or placeholder value`,
        severity: 'high',
        evidence: { issues: (problem.hygiene ?? []).map((issue) => ({ field: issue.field, reason: issue.reason })) },
      };
    case 'staleness.version-limit': {
      const v = problem.versions!;
      return {
        title: `Secret ${a.name} holds ${v.more ? 'at least ' : ''}${v.versions} versions; Secrets Manager refuses more than ${SECRET_VERSION_QUOTA}`,
        severity: v.versions >= SECRET_VERSION_QUOTA ? 'high' : 'medium',
        evidence: { versions: v.versions, atLeast: v.more, quota: SECRET_VERSION_QUOTA },
      };
    }
  }
}

const CLEARED: Record<StalenessRuleId, string> = {
  'staleness.stale': 'is within its rotation policy again',
  'staleness.unused': 'has been read again',
  'staleness.rotation-failing': 'rotation is healthy again',
  'staleness.weak-value': 'no longer holds a weak value',
  'staleness.schedule-policy': 'has the rotation schedule its policy requires',
  'staleness.version-limit': 'holds fewer versions again',
  'staleness.account-unreachable': 'can be scanned again',
};

function resolvedFinding(record: OpenFindingRecord, now: Date, gone: boolean): Finding {
  const ruleId = record.ruleId as StalenessRuleId;
  if (ruleId === STALENESS_RULES.accountUnreachable) return resolvedScopeFinding(record, now);
  const finding: Finding = {
    id: `${record.dedupKey}/resolved/${now.toISOString()}`,
    ruleId,
    title: gone ? `Secret ${record.secretName} is no longer listed` : `Secret ${record.secretName} ${CLEARED[ruleId] ?? 'is fine again'}`,
    // The severity of the open finding, so the resolution reaches the same channels.
    severity: record.severity ?? 'medium',
    status: 'resolved',
    source: 'staleness',
    secret: { name: record.secretName, arn: record.secretArn },
    evidence: { reason: gone ? 'secret deleted or scheduled for deletion' : 'condition cleared', openedAt: record.openedAt },
    dedupKey: record.dedupKey,
    runbook: RUNBOOKS[ruleId] ?? 'Nothing to do: the condition cleared.',
    observedAt: now.toISOString(),
  };
  if (record.tenant !== undefined) finding.tenant = record.tenant;
  const location = arnLocation(record.secretArn);
  if (location) finding.account = location.accountId;
  return finding;
}

function resolvedScopeFinding(record: OpenFindingRecord, now: Date): Finding {
  const [accountId = '', region = ''] = record.secretName.split('/');
  const finding: Finding = {
    id: `${record.dedupKey}/resolved/${now.toISOString()}`,
    ruleId: STALENESS_RULES.accountUnreachable,
    title: `Account ${accountId} in ${region} ${CLEARED[STALENESS_RULES.accountUnreachable]}`,
    severity: record.severity ?? 'high',
    status: 'resolved',
    source: 'staleness',
    evidence: { region, reason: 'scanned again, or no longer configured', openedAt: record.openedAt },
    dedupKey: record.dedupKey,
    runbook: RUNBOOKS[STALENESS_RULES.accountUnreachable],
    observedAt: now.toISOString(),
  };
  if (/^\d{12}$/.test(accountId)) finding.account = accountId;
  return finding;
}

function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}
