import { describe, expect, it } from 'vitest';
import type { GroupState } from '../../../shared/alerting/alert-state';
import { decideClaim } from '../../../shared/alerting/grouping';
import { sampleFinding } from '../../support/alert-samples';

const WINDOW = 15 * 60_000;
const open = sampleFinding('rotation');
const resolved = { ...open, id: 'r1', status: 'resolved' as const, observedAt: '2025-11-20T04:00:00Z' };
const at = (iso: string) => new Date(iso);

function openGroup(overrides: Partial<GroupState> = {}): GroupState {
  return {
    dedupKey: open.dedupKey,
    status: 'open',
    episode: 1,
    episodeStartedAt: '2025-11-20T03:00:00.000Z',
    openedObservedAt: open.observedAt,
    episodeCount: 3,
    windowStartedAt: '2025-11-20T03:00:00.000Z',
    windowCount: 3,
    lastSeenAt: '2025-11-20T03:05:00.000Z',
    told: { pagerduty: 1, slack: 1 },
    version: 7,
    ...overrides,
  };
}

describe('decideClaim', () => {
  it('sends the first occurrence and opens episode 1', () => {
    const d = decideClaim(open, undefined, at('2025-11-20T03:00:00Z'), WINDOW);
    expect(d).toMatchObject({ role: 'send', episode: 1, summary: { occurrences: 1, groupedSinceLastAlert: 0 } });
    expect(d.next).toMatchObject({ status: 'open', episode: 1, windowCount: 1, episodeCount: 1, version: 1 });
  });

  it('counts a repeat inside the window instead of sending it', () => {
    const d = decideClaim(open, openGroup(), at('2025-11-20T03:10:00Z'), WINDOW);
    expect(d.role).toBe('grouped');
    expect(d.next).toMatchObject({ windowCount: 4, episodeCount: 4, version: 8 });
  });

  it('sends again after the window, saying how many were grouped', () => {
    const d = decideClaim(open, openGroup(), at('2025-11-20T03:20:00Z'), WINDOW);
    expect(d).toMatchObject({ role: 'send', summary: { occurrences: 4, firstSeenAt: '2025-11-20T03:00:00.000Z', groupedSinceLastAlert: 2 } });
    expect(d.next).toMatchObject({ windowStartedAt: '2025-11-20T03:20:00.000Z', windowCount: 1, episodeCount: 4 });
  });

  it('resolves an open episode to the channels told about it', () => {
    const d = decideClaim(resolved, openGroup(), at('2025-11-20T04:00:00Z'), WINDOW);
    expect(d).toMatchObject({ role: 'send', resolveTo: ['pagerduty', 'slack'], summary: { occurrences: 3 } });
    expect(d.next).toMatchObject({ status: 'resolved', resolvedObservedAt: resolved.observedAt });
  });

  it('has nothing to resolve when nothing is open', () => {
    const none = decideClaim(resolved, undefined, at('2025-11-20T04:00:00Z'), WINDOW);
    expect(none.role).toBe('nothing-to-resolve');
    expect(none.next).toBeUndefined();
    expect(decideClaim(resolved, openGroup({ status: 'resolved' }), at('2025-11-20T04:00:00Z'), WINDOW).role).toBe('nothing-to-resolve');
  });

  it('opens episode 2 after a resolve, and ignores a failure observed before the resolve', () => {
    const closed = openGroup({ status: 'resolved', resolvedObservedAt: '2025-11-20T04:00:00Z' });
    const late = { ...open, id: 'late', observedAt: '2025-11-20T03:59:00Z' };
    expect(decideClaim(late, closed, at('2025-11-20T04:01:00Z'), WINDOW).role).toBe('stale');
    const again = { ...open, id: 'again', observedAt: '2025-11-20T04:30:00+01:00' };
    expect(decideClaim(again, closed, at('2025-11-20T05:00:00Z'), WINDOW).role).toBe('stale');
    const later = { ...open, id: 'later', observedAt: '2025-11-20T05:00:00Z' };
    expect(decideClaim(later, closed, at('2025-11-20T05:00:00Z'), WINDOW)).toMatchObject({ role: 'send', episode: 2, next: { told: { pagerduty: 1, slack: 1 } } });
  });
});
