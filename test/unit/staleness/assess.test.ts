import { describe, expect, it } from 'vitest';
import { ageBasis, assessSecret, rotationFailureOf } from '../../../shared/staleness/assess';
import { parsePolicyOverrides } from '../../../shared/staleness/policies';
import { daysAgo, NOW, summary } from '../../support/staleness-summaries';

const db = (age: number, extra: Parameters<typeof summary>[0] = {}) =>
  summary({ age, tags: { 'keywarden:strategy': 'postgres' }, rotationEnabled: true, lastAccessedDate: daysAgo(1), ...extra });

describe('assessSecret: age against the policy', () => {
  it('is ok well within the policy', () => {
    const a = assessSecret(db(30), NOW);
    expect(a).toMatchObject({ type: 'database', status: 'ok', conditions: [] });
    expect(a.ageDays).toBeCloseTo(30, 6);
    expect(a.staleAt).toBe(daysAgo(30 - 90).toISOString());
  });

  it('is due soon inside the last 14 days of a 90-day policy, and not before', () => {
    expect(assessSecret(db(76), NOW).status).toBe('ok');
    expect(assessSecret(db(76.01), NOW).status).toBe('due-soon');
    expect(assessSecret(db(90), NOW).status).toBe('due-soon');
  });

  it('is stale only past the max age', () => {
    expect(assessSecret(db(90.001), NOW)).toMatchObject({ status: 'stale', conditions: ['stale'] });
  });

  it('counts age from the later of the last rotation and the last change', () => {
    const rotatedLongAgoChangedLately = db(200, { lastRotatedDate: daysAgo(200), lastChangedDate: daysAgo(5) });
    expect(assessSecret(rotatedLongAgoChangedLately, NOW).status).toBe('ok');
    expect(ageBasis({ createdDate: daysAgo(300) })).toEqual(daysAgo(300));
    expect(ageBasis({ createdDate: daysAgo(300), lastRotatedDate: daysAgo(3), lastChangedDate: daysAgo(9) })).toEqual(daysAgo(3));
  });

  it('uses the tag, tenant and type policies', () => {
    const overrides = parsePolicyOverrides('{"tenants":{"tenant-9":{"maxAgeDays":20}}}');
    expect(assessSecret(db(25, { name: 'acme/tenant-9/db' }), NOW, { overrides }).status).toBe('stale');
    expect(assessSecret(db(25, { name: 'acme/tenant-8/db' }), NOW, { overrides }).status).toBe('ok');
    expect(assessSecret(db(25, { tags: { 'keywarden:strategy': 'postgres', 'keywarden:max-age-days': '24' } }), NOW).status).toBe('stale');
  });

  it('knows the tenant from the name, and none for shared scopes', () => {
    expect(assessSecret(db(1, { name: 'multitenant-ai-poc/tenant-1/database-password' }), NOW).tenant).toBe('tenant-1');
    expect(assessSecret(db(1, { name: 'multitenant-ai-poc/shared/database-password' }), NOW).tenant).toBeUndefined();
  });
});

describe('assessSecret: unused and rotation disabled', () => {
  it('is unused when not read for longer than unusedDays', () => {
    expect(assessSecret(db(10, { lastAccessedDate: daysAgo(91) }), NOW)).toMatchObject({ status: 'unused', conditions: ['unused'] });
    expect(assessSecret(db(10, { lastAccessedDate: daysAgo(89) }), NOW).status).toBe('ok');
  });

  it('counts a secret never read as unread since it was created', () => {
    const never = db(10, { lastAccessedDate: undefined, createdDate: daysAgo(120) });
    expect(assessSecret(never, NOW)).toMatchObject({ status: 'unused' });
    expect(assessSecret(db(10, { lastAccessedDate: undefined, createdDate: daysAgo(30) }), NOW).status).toBe('ok');
  });

  it('is rotation-disabled when rotation is off and nothing more urgent holds', () => {
    expect(assessSecret(db(10, { rotationEnabled: false }), NOW)).toMatchObject({ status: 'rotation-disabled', conditions: ['rotation-disabled'] });
  });

  it('picks the most urgent condition as the status and lists them all', () => {
    const everything = db(100, {
      rotationEnabled: true,
      nextRotationDate: daysAgo(3),
      lastAccessedDate: daysAgo(200),
    });
    expect(assessSecret(everything, NOW)).toMatchObject({ status: 'rotation-failing', conditions: ['rotation-failing', 'stale', 'unused'] });
    expect(assessSecret(db(85, { rotationEnabled: false, lastAccessedDate: daysAgo(95) }), NOW).conditions).toEqual(['unused', 'due-soon', 'rotation-disabled']);
  });
});

describe('rotationFailureOf: failing rotation from metadata', () => {
  const stuck = (minutesSinceChange: number) =>
    summary({
      rotationEnabled: true,
      lastChangedDate: new Date(NOW.getTime() - minutesSinceChange * 60_000),
      versions: { current: ['AWSCURRENT'], pending: ['AWSPENDING'] },
    });

  it('calls a pending version that sat still past the grace period failing', () => {
    expect(rotationFailureOf(stuck(61), NOW)).toMatch(/version pending is AWSPENDING but not AWSCURRENT/);
    expect(rotationFailureOf(stuck(59), NOW)).toBeUndefined();
    expect(rotationFailureOf(stuck(100), NOW, 120)).toBeUndefined();
  });

  it('does not mind AWSPENDING on the current version (a finished rotation)', () => {
    expect(rotationFailureOf(summary({ age: 400, rotationEnabled: true, versions: { v: ['AWSCURRENT', 'AWSPENDING'] } }), NOW)).toBeUndefined();
  });

  it('calls a scheduled rotation overdue past the grace period failing, only while rotation is on', () => {
    expect(rotationFailureOf(summary({ rotationEnabled: true, nextRotationDate: new Date(NOW.getTime() - 61 * 60_000) }), NOW)).toMatch(/has not completed/);
    expect(rotationFailureOf(summary({ rotationEnabled: true, nextRotationDate: new Date(NOW.getTime() - 59 * 60_000) }), NOW)).toBeUndefined();
    expect(rotationFailureOf(summary({ rotationEnabled: false, nextRotationDate: daysAgo(30) }), NOW)).toBeUndefined();
    expect(rotationFailureOf(summary({ rotationEnabled: true, nextRotationDate: daysAgo(-5) }), NOW)).toBeUndefined();
  });
});
