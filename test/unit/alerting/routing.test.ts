import { describe, expect, it } from 'vitest';
import { channelsFor, DEFAULT_SEVERITY_ROUTES, resolveRoutes, unavailableChannels } from '../../../shared/alerting/routing';

describe('routing', () => {
  it('sends critical and high to PagerDuty, Slack and SNS; medium to Slack and SNS; low to SNS by default', () => {
    const routes = resolveRoutes(undefined, ['pagerduty', 'slack', 'sns']);
    expect(channelsFor({ severity: 'critical' }, routes)).toEqual(['pagerduty', 'slack', 'sns']);
    expect(channelsFor({ severity: 'high' }, routes)).toEqual(['pagerduty', 'slack', 'sns']);
    expect(channelsFor({ severity: 'medium' }, routes)).toEqual(['slack', 'sns']);
    expect(channelsFor({ severity: 'low' }, routes)).toEqual(['sns']);
    expect(routes.severity).toEqual(DEFAULT_SEVERITY_ROUTES);
  });

  it('keeps only configured channels in the defaults', () => {
    const routes = resolveRoutes(undefined, ['sns']);
    expect(channelsFor({ severity: 'critical' }, routes)).toEqual(['sns']);
    expect(unavailableChannels(routes, ['sns'])).toEqual([]);
  });

  it('lets a tenant override the severities it names and inherit the rest', () => {
    const routes = resolveRoutes({ severity: { medium: ['sns'] }, tenants: { 'tenant-1': { critical: ['pagerduty'], low: [] } } }, ['pagerduty', 'slack', 'sns']);
    expect(channelsFor({ severity: 'critical', tenant: 'tenant-1' }, routes)).toEqual(['pagerduty']);
    expect(channelsFor({ severity: 'low', tenant: 'tenant-1' }, routes)).toEqual([]);
    expect(channelsFor({ severity: 'medium', tenant: 'tenant-1' }, routes)).toEqual(['sns']);
    expect(channelsFor({ severity: 'critical', tenant: 'tenant-2' }, routes)).toEqual(['pagerduty', 'slack', 'sns']);
    expect(channelsFor({ severity: 'critical' }, routes)).toEqual(['pagerduty', 'slack', 'sns']);
  });

  it('names every route that points at a channel that is not configured', () => {
    const routes = resolveRoutes({ severity: { high: ['pagerduty', 'sns'] }, tenants: { t: { low: ['slack'] } } }, ['sns']);
    expect(unavailableChannels(routes, ['sns'])).toEqual([
      'routes.severity.high names pagerduty, which is not configured',
      'routes.tenants.t.low names slack, which is not configured',
    ]);
  });
});
