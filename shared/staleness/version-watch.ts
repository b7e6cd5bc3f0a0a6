import { mapBounded } from '../concurrency';
import type { SecretSummary } from './inventory';

/**
 * Secrets Manager's quota on versions: "Secrets Manager removes unlabeled versions when there are
 * more than 100, but it does not remove versions created less than 24 hours ago" (Secrets Manager
 * quotas, AWS docs). So a secret reaches the quota only by gaining versions faster than that:
 * more than 100 within 24 hours, after which PutSecretValue and rotation fail. The watch counts
 * versions (ListSecretVersionIds with IncludeDeprecated, one call of up to 100) only for secrets
 * changed within the last 24 hours, the only ones whose count can be near the quota, so a quiet
 * inventory costs no extra call at all.
 */

/** Versions per secret before Secrets Manager refuses another (unlabeled ones older than 24 h are removed past it). */
export const SECRET_VERSION_QUOTA = 100;
/** Versions younger than this are never removed: only a secret changed within it can pile them up. */
export const VERSION_CHURN_WINDOW_MS = 24 * 3_600_000;
/** The default count that raises a finding, before the quota is reached. */
export const DEFAULT_VERSION_WARN = 80;

/** Counts a secret's versions, deprecated ones included. */
export interface VersionCounter {
  /** `more` when there are more than one page holds (at least `versions`). */
  count(arn: string): Promise<{ versions: number; more: boolean }>;
}

/** One secret's count. */
export interface VersionCount {
  arn: string;
  versions: number;
  /** At least `versions`: the count stopped at one page. */
  more: boolean;
}

/** What the watch did in one scope. */
export interface VersionWatchResult {
  counts: VersionCount[];
  /** ListSecretVersionIds calls made (one per secret checked). */
  calls: number;
  /** Secrets whose count failed (throttled, denied); they are counted again next scan. */
  failed: number;
}

/** Whether a secret changed recently enough for its versions to pile up. Replicas are counted at their primary. */
export function mayPileUpVersions(secret: Pick<SecretSummary, 'lastChangedDate' | 'primaryRegion' | 'kind'>, now: Date): boolean {
  if (secret.kind === 'parameter' || secret.primaryRegion) return false;
  return secret.lastChangedDate !== undefined && now.getTime() - secret.lastChangedDate.getTime() <= VERSION_CHURN_WINDOW_MS;
}

/** Counts the versions of the secrets that may pile them up, at most `concurrency` at once. */
export async function watchVersions(secrets: readonly SecretSummary[], counter: VersionCounter, now: Date, concurrency = 4): Promise<VersionWatchResult> {
  const candidates = secrets.filter((s) => mayPileUpVersions(s, now));
  const results = await mapBounded(candidates, concurrency, async (secret) => {
    try {
      return { arn: secret.arn, ...(await counter.count(secret.arn)) };
    } catch {
      return undefined;
    }
  });
  const counts = results.filter((r): r is VersionCount => r !== undefined);
  return { counts, calls: candidates.length, failed: results.length - counts.length };
}
