import type { GroupState, FindingRole } from './alert-state';
import { CHANNEL_NAMES, type ChannelName, type GroupSummary } from './channel';
import type { Finding } from '../finding';

/**
 * Dedup and grouping as a pure decision: given a finding, its group as stored and the time,
 * what the occurrence does and what the group becomes.
 *
 * - The first open finding of a key opens an episode and sends.
 * - Repeats inside the dedup window only count; the first one after the window sends again,
 *   and its message says how many were grouped since the last alert.
 * - A resolved finding closes an open episode and goes to the channels that were told about it
 *   (PagerDuty resolves the incident, Slack and SNS hear it is over). With nothing open it sends
 *   nothing: a successful rotation of a healthy secret is not news.
 * - A finding observed before the group's last change in the other direction is stale (SQS does
 *   not keep order): a late "failed" does not reopen what a later "succeeded" closed.
 */

/** What {@link decideClaim} decided. */
export interface ClaimDecision {
  role: FindingRole;
  /** The group to write, or undefined to leave it as it is. */
  next?: GroupState;
  /** The group's numbers for the message. */
  summary: GroupSummary;
  episode: number;
  /** For a resolve: the channels told about the episode; for an open finding: undefined (use the route). */
  resolveTo?: ChannelName[];
}

/** Decides what `finding` does, given its group as stored (or none) at `now`. */
export function decideClaim(finding: Finding, group: GroupState | undefined, now: Date, windowMs: number): ClaimDecision {
  return finding.status === 'open' ? decideOpen(finding, group, now, windowMs) : decideResolved(finding, group, now);
}

function decideOpen(finding: Finding, group: GroupState | undefined, now: Date, windowMs: number): ClaimDecision {
  const at = now.toISOString();
  if (!group || group.status === 'resolved') {
    if (group?.resolvedObservedAt && earlier(finding.observedAt, group.resolvedObservedAt)) {
      return { role: 'stale', summary: summaryOf(group, 0), episode: group.episode };
    }
    const episode = (group?.episode ?? 0) + 1;
    const next: GroupState = {
      dedupKey: finding.dedupKey,
      status: 'open',
      episode,
      episodeStartedAt: at,
      openedObservedAt: finding.observedAt,
      episodeCount: 1,
      windowStartedAt: at,
      windowCount: 1,
      lastSeenAt: at,
      told: group?.told ?? {},
      version: (group?.version ?? 0) + 1,
    };
    return { role: 'send', next, summary: { occurrences: 1, firstSeenAt: at, groupedSinceLastAlert: 0 }, episode };
  }
  const inWindow = now.getTime() - Date.parse(group.windowStartedAt) < windowMs;
  const counted = { ...group, episodeCount: group.episodeCount + 1, lastSeenAt: at, version: group.version + 1 };
  if (inWindow) {
    const next = { ...counted, windowCount: group.windowCount + 1 };
    return { role: 'grouped', next, summary: summaryOf(next, next.windowCount - 1), episode: group.episode };
  }
  const next = { ...counted, windowStartedAt: at, windowCount: 1 };
  return { role: 'send', next, summary: summaryOf(next, group.windowCount - 1), episode: group.episode };
}

function decideResolved(finding: Finding, group: GroupState | undefined, now: Date): ClaimDecision {
  if (!group || group.status === 'resolved') {
    return { role: 'nothing-to-resolve', summary: group ? summaryOf(group, 0) : { occurrences: 0, firstSeenAt: now.toISOString(), groupedSinceLastAlert: 0 }, episode: group?.episode ?? 0 };
  }
  if (earlier(finding.observedAt, group.openedObservedAt)) return { role: 'stale', summary: summaryOf(group, 0), episode: group.episode };
  const next: GroupState = { ...group, status: 'resolved', resolvedObservedAt: finding.observedAt, lastSeenAt: now.toISOString(), version: group.version + 1 };
  const resolveTo = CHANNEL_NAMES.filter((channel) => group.told[channel] === group.episode);
  return { role: resolveTo.length > 0 ? 'send' : 'nothing-to-resolve', next, summary: summaryOf(group, group.windowCount - 1), episode: group.episode, resolveTo };
}

function summaryOf(group: GroupState, grouped: number): GroupSummary {
  return { occurrences: group.episodeCount, firstSeenAt: group.episodeStartedAt, groupedSinceLastAlert: Math.max(0, grouped) };
}

/** Whether ISO time `a` is before `b` (offsets compared as instants, not as text). */
function earlier(a: string, b: string): boolean {
  return Date.parse(a) < Date.parse(b);
}
