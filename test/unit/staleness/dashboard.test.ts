import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../shared/staleness/metrics';
import { SECRET_TYPES } from '../../../shared/staleness/secret-type';

interface Dashboard {
  dashboardBody(stage: string, tenants: string[]): { 'Fn::Sub': string };
  parseTenants(raw: unknown): string[];
  METRICS: Array<[string, string]>;
  body(ctx: { resolveVariable: (v: string) => Promise<unknown> }): Promise<{ 'Fn::Sub': string }>;
}
const dashboard = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'staleness-dashboard.cjs')) as Dashboard;
type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: string[] } };
const widgetsOf = (body: { 'Fn::Sub': string }) => (JSON.parse(body['Fn::Sub']) as { widgets: Widget[] }).widgets;

describe('the staleness dashboard body', () => {
  it('charts every metric the scan sends', () => {
    expect(dashboard.METRICS.map(([name]) => name).sort()).toEqual(Object.values(METRIC_NAMES).sort());
  });

  it('has a widget per metric overall (with a line per type) and a widget per metric and tenant', () => {
    const widgets = widgetsOf(dashboard.dashboardBody('prod', ['tenant-1', 'tenant-2']));
    const metricWidgets = widgets.filter((w) => w.type === 'metric');
    for (const [name] of dashboard.METRICS) {
      const overall = metricWidgets.find((w) => w.properties.metrics!.some((m) => m[1] === name && m.length === 3))!;
      expect(overall.properties.metrics!.filter((m) => m[2] === 'SecretType').map((m) => m[3])).toEqual([...SECRET_TYPES]);
      for (const tenant of ['tenant-1', 'tenant-2']) {
        const forTenant = metricWidgets.filter((w) => w.properties.metrics!.some((m) => m[1] === name && m[2] === 'Tenant' && m[3] === tenant));
        expect(forTenant, `${name} for ${tenant}`).toHaveLength(1);
        expect(forTenant[0]!.properties.metrics![0]![0]).toBe('Keywarden/prod/Staleness');
      }
    }
    const alarms = widgets.find((w) => w.type === 'alarm')!;
    expect(alarms.properties.alarms).toContain('arn:aws:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:keywarden-prod-stale-secrets');
  });

  it('takes its tenants from the stalenessTenants param and refuses names that are not tenants', async () => {
    expect(dashboard.parseTenants(' tenant-1, tenant-2 tenant-1,')).toEqual(['tenant-1', 'tenant-2']);
    expect(dashboard.parseTenants(undefined)).toEqual([]);
    expect(() => dashboard.parseTenants('tenant-1,${AWS::Region}')).toThrow(/not a tenant name/);
    const asked: string[] = [];
    const body = await dashboard.body({
      resolveVariable: async (v) => {
        asked.push(v);
        return v.startsWith('sls:') ? 'ci' : 'a,b';
      },
    });
    expect(asked).toEqual(['sls:stage', "param:stalenessTenants, ''"]);
    expect(widgetsOf(body).filter((w) => w.properties.title?.endsWith(': b'))).toHaveLength(dashboard.METRICS.length);
  });

  it('refuses more widgets than CloudWatch allows on one dashboard', () => {
    const tenants = Array.from({ length: 60 }, (_, i) => `t-${i}`);
    expect(() => dashboard.dashboardBody('prod', tenants)).toThrow(/CloudWatch allows 500/);
  });
});
