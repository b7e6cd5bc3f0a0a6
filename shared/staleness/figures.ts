import type { SecretAssessment } from './assess';
import type { SecretType } from './secret-type';

/**
 * Counts over a group of secrets (all of them, one tenant, one type): the same figures feed the
 * metrics, the report and the CLI, so they can never disagree.
 */

/** The figures of one group. */
export interface GroupFigures {
  secrets: number;
  /** Secrets that are neither stale nor failing rotation. */
  compliant: number;
  /** compliant / secrets, in percent; 100 for an empty group. */
  complianceScore: number;
  stale: number;
  dueSoon: number;
  unused: number;
  rotationDisabled: number;
  rotationFailing: number;
  /** The largest age in the group, days; 0 for an empty group. */
  oldestAgeDays: number;
  /** Secrets the hygiene check flagged; absent when it did not run. */
  weakValue?: number;
}

/** The tenant value that stands for secrets owned by no tenant (shared scopes, other names). */
export const NO_TENANT = 'no-tenant';

/**
 * Compliant means the rotation promise holds: not older than the policy allows and rotation not
 * failing. Unused and rotation-disabled secrets are reported on their own; a secret rotated by
 * hand within its policy is compliant even with rotation off.
 */
export function isCompliant(assessment: Pick<SecretAssessment, 'conditions'>): boolean {
  return !assessment.conditions.includes('stale') && !assessment.conditions.includes('rotation-failing');
}

/** A running tally of one group's figures; add secrets one at a time, as pages arrive. */
export class FiguresTally {
  private counts = { secrets: 0, compliant: 0, stale: 0, dueSoon: 0, unused: 0, rotationDisabled: 0, rotationFailing: 0, weakValue: 0 };
  private oldest = 0;

  add(assessment: Pick<SecretAssessment, 'conditions' | 'ageDays'>, weakValue = false): void {
    const c = this.counts;
    const has = (condition: SecretAssessment['conditions'][number]) => assessment.conditions.includes(condition);
    c.secrets += 1;
    if (isCompliant(assessment)) c.compliant += 1;
    if (has('stale')) c.stale += 1;
    if (has('due-soon')) c.dueSoon += 1;
    if (has('unused')) c.unused += 1;
    if (has('rotation-disabled')) c.rotationDisabled += 1;
    if (has('rotation-failing')) c.rotationFailing += 1;
    if (weakValue) c.weakValue += 1;
    this.oldest = Math.max(this.oldest, assessment.ageDays);
  }

  /** The figures so far; `weakValue` only when the hygiene check ran. */
  figures(hygieneRan = false): GroupFigures {
    const { weakValue, ...counts } = this.counts;
    const out: GroupFigures = {
      ...counts,
      complianceScore: counts.secrets === 0 ? 100 : (100 * counts.compliant) / counts.secrets,
      oldestAgeDays: this.oldest,
    };
    if (hygieneRan) out.weakValue = weakValue;
    return out;
  }
}

/** Tallies overall, by tenant, by type and by account, kept in step. */
export class InventoryTally {
  readonly overall = new FiguresTally();
  readonly byTenant = new Map<string, FiguresTally>();
  readonly byType = new Map<SecretType, FiguresTally>();
  readonly byTenantAndType = new Map<string, FiguresTally>();
  /** By the account the secret lives in (from its ARN); secrets of no known account are not in it. */
  readonly byAccount = new Map<string, FiguresTally>();

  add(assessment: Pick<SecretAssessment, 'conditions' | 'ageDays' | 'tenant' | 'type' | 'accountId'>, weakValue = false): void {
    const tenant = assessment.tenant ?? NO_TENANT;
    this.overall.add(assessment, weakValue);
    if (assessment.accountId) tallyFor(this.byAccount, assessment.accountId).add(assessment, weakValue);
    tallyFor(this.byTenant, tenant).add(assessment, weakValue);
    tallyFor(this.byType, assessment.type).add(assessment, weakValue);
    tallyFor(this.byTenantAndType, `${tenant}\u0000${assessment.type}`).add(assessment, weakValue);
  }
}

function tallyFor<K>(map: Map<K, FiguresTally>, key: K): FiguresTally {
  let tally = map.get(key);
  if (!tally) {
    tally = new FiguresTally();
    map.set(key, tally);
  }
  return tally;
}
