import { describe, expect, it } from 'vitest';
import { assessSecret } from '../../../shared/staleness/assess';
import { planFindings, problemsOf } from '../../../shared/staleness/findings';
import { parsePolicyOverrides, resolvePolicy } from '../../../shared/staleness/policies';
import { toSummary } from '../../../shared/aws/secrets-manager-inventory';
import { summary } from '../../support/staleness-summaries';

const at = (iso: string) => new Date(iso);

/** A secret on a weekly Sunday 03:00-06:00 schedule, created 2026-11-01 (a Sunday, after its window). */
function weekly(overrides: Parameters<typeof summary>[0] = {}) {
  return summary({
    createdDate: at('2026-11-01T12:00:00Z'),
    lastChangedDate: at('2026-11-01T12:00:00Z'),
    rotationEnabled: true,
    rotationSchedule: 'cron(0 3 ? * SUN *)',
    rotationWindow: '3h',
    ...overrides,
  });
}

describe('staleness on a schedule', () => {
  it('takes the next rotation from the schedule when ListSecrets gives no NextRotationDate', () => {
    const a = assessSecret(weekly({ lastRotatedDate: at('2026-11-29T04:00:00Z') }), at('2026-12-03T15:00:00Z'));
    expect(a.nextRotationDate).toBe('2026-12-06T03:00:00.000Z');
    expect(a.rotationSchedule).toBe('cron(0 3 ? * SUN *)');
    expect(a.status).toBe('ok');
  });

  it('a rate in days counts its next window from the last rotation', () => {
    const a = assessSecret(
      summary({ rotationEnabled: true, rotationSchedule: 'rate(10 days)', createdDate: at('2026-11-01T00:00:00Z'), lastRotatedDate: at('2026-11-28T09:00:00Z') }),
      at('2026-12-03T15:00:00Z'),
    );
    expect(a.nextRotationDate).toBe('2026-12-08T00:00:00.000Z');
  });

  it('one missed window is not yet failing; two in a row are rotation-failing, naming the windows', () => {
    const secret = weekly({ lastRotatedDate: at('2026-11-15T04:00:00Z') });
    // Missed 2026-11-22 only (2026-11-29's window has not closed plus the grace at 06:30).
    expect(assessSecret(secret, at('2026-11-29T06:30:00Z')).conditions).not.toContain('rotation-failing');
    const failing = assessSecret(secret, at('2026-11-29T07:30:00Z'));
    expect(failing.status).toBe('rotation-failing');
    expect(failing.rotationFailure).toMatch(/last 2 rotation windows of cron\(0 3 \? \* SUN \*\) \(from 2026-11-22T03:00:00.000Z\) closed without a rotation \(last rotated 2026-11-15T04:00:00.000Z\)/);
    expect(assessSecret(secret, at('2026-11-29T07:30:00Z'), { missedWindows: 3 }).conditions).not.toContain('rotation-failing');
  });

  it('a rotation inside the latest window keeps it healthy; windows before the secret existed do not count', () => {
    expect(assessSecret(weekly({ lastRotatedDate: at('2026-11-29T05:59:00Z') }), at('2026-12-03T00:00:00Z')).status).toBe('ok');
    // Created 2026-11-01 12:00, never rotated: 11-08 and 11-15 were missed by 11-15 07:00.
    expect(assessSecret(weekly(), at('2026-11-08T07:30:00Z')).conditions).not.toContain('rotation-failing');
    expect(assessSecret(weekly(), at('2026-11-15T07:30:00Z')).rotationFailure).toMatch(/never rotated/);
  });

  it('rotation off: no window is missed (rotation-disabled says it)', () => {
    const a = assessSecret(weekly({ rotationEnabled: false }), at('2027-01-01T00:00:00Z'));
    expect(a.conditions).not.toContain('rotation-failing');
    expect(a.conditions).toContain('rotation-disabled');
  });

  it('an overdue NextRotationDate alone does not fail a scheduled secret: its windows decide', () => {
    const secret = weekly({ lastRotatedDate: at('2026-11-15T04:00:00Z'), nextRotationDate: at('2026-11-22T03:00:00Z') });
    expect(assessSecret(secret, at('2026-11-23T00:00:00Z')).conditions).not.toContain('rotation-failing');
    const days = summary({ rotationEnabled: true, nextRotationDate: at('2026-11-22T03:00:00Z') });
    expect(assessSecret(days, at('2026-11-23T00:00:00Z')).conditions).toContain('rotation-failing');
  });
});

describe('policies that require a schedule or a window', () => {
  const overrides = parsePolicyOverrides(
    JSON.stringify({ types: { database: { requireSchedule: true } }, tenants: { 'tenant-1': { requireWindow: true }, 'tenant-2': { types: { database: { requireSchedule: false } } } } }),
  );

  it('resolve per type and per tenant, each field on its own', () => {
    expect(resolvePolicy('database', 'tenant-1', {}, overrides)).toMatchObject({ requireSchedule: true, requireWindow: true });
    expect(resolvePolicy('database', 'tenant-2', {}, overrides)).toMatchObject({ requireSchedule: false, requireWindow: false });
    expect(resolvePolicy('api-key', 'tenant-3', {}, overrides)).toMatchObject({ requireSchedule: false, requireWindow: false });
    expect(() => parsePolicyOverrides('{"types":{"database":{"requireSchedule":"yes"}}}')).toThrow(/types.database.requireSchedule/);
  });

  it('a database secret rotating every N days breaks requireSchedule: a schedule-policy finding', () => {
    const secret = summary({ name: 'acme/tenant-3/db', tags: { 'keywarden:type': 'database' }, rotationEnabled: true, rotationIntervalDays: 30 });
    const a = assessSecret(secret, at('2025-06-01T12:00:00Z'), { overrides });
    expect(a.type).toBe('database');
    expect(a.conditions).toContain('schedule-policy');
    expect(a.schedulePolicy).toMatch(/requires a cron\(\) or rate\(\) schedule, and its rotation rules have only AutomaticallyAfterDays 30/);
    const problems = problemsOf(a);
    expect(problems.map((p) => p.ruleId)).toEqual(['staleness.schedule-policy']);
    const plan = planFindings(problems, [], { now: at('2025-06-01T12:00:00Z'), listed: new Set([a.arn]), hygieneChecked: new Set() });
    expect(plan.publish[0]).toMatchObject({ ruleId: 'staleness.schedule-policy', severity: 'medium', evidence: { requireSchedule: true, rotationWindow: undefined } });
  });

  it('tenant-1 requires a window: a schedule without Duration breaks it, one with Duration does not', () => {
    const without = summary({ name: 'acme/tenant-1/key', rotationEnabled: true, rotationSchedule: 'rate(30 days)' });
    expect(assessSecret(without, at('2025-06-01T12:00:00Z'), { overrides }).schedulePolicy).toBe('its policy requires a rotation window (Duration), and its rotation rules set none');
    const withWindow = summary({ name: 'acme/tenant-1/key2', rotationEnabled: true, rotationSchedule: 'rate(30 days)', rotationWindow: '4h' });
    expect(assessSecret(withWindow, at('2025-06-01T12:00:00Z'), { overrides }).conditions).not.toContain('schedule-policy');
  });
});

describe('the ListSecrets adapter', () => {
  it('keeps ScheduleExpression and Duration', () => {
    const s = toSummary({ ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf', Name: 'x', RotationEnabled: true, RotationRules: { ScheduleExpression: 'cron(0 3 ? * SUN *)', Duration: '3h' } });
    expect(s).toMatchObject({ rotationSchedule: 'cron(0 3 ? * SUN *)', rotationWindow: '3h' });
  });
});
