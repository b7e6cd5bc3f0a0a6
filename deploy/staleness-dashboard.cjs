// The staleness dashboard's body, built when serverless resolves deploy/staleness.yml:
// CloudFormation cannot loop, so the widgets per tenant are generated here from the
// stalenessTenants param (comma-separated). Returns { "Fn::Sub": body } so the region and
// account are filled in by CloudFormation. Kept in step with shared/staleness/metrics.ts
// (test/unit/staleness/dashboard.test.ts checks the metric names).
/* global module */
'use strict';

/** Metric name, title, and the statistic that reads it (every scan sends one value per hour). */
const METRICS = [
  ['StaleSecrets', 'Stale secrets'],
  ['RotationFailingSecrets', 'Rotation failing'],
  ['UnusedSecrets', 'Unused secrets'],
  ['RotationDisabledSecrets', 'Rotation disabled'],
  ['DueSoonSecrets', 'Due soon'],
  ['OldestSecretAgeDays', 'Oldest secret (days)'],
  ['ComplianceScore', 'Compliance score (%)'],
  ['Secrets', 'Secrets'],
  ['WeakValueSecrets', 'Weak values (hygiene)'],
];
const TYPES = ['database', 'api-key', 'jwt-signing-key', 'encryption-key', 'password', 'generic'];
const ALARMS = ['stale-secrets', 'rotation-failing', 'staleness-scan-missing'];
const MAX_WIDGETS = 500; // CloudWatch's limit per dashboard
const WIDTH = 8;
const HEIGHT = 6;

/** The dashboard body for a stage and its tenants, as a CloudFormation Fn::Sub. */
function dashboardBody(stage, tenants) {
  const namespace = `Keywarden/${stage}/Staleness`;
  const widgets = [];
  let y = 0;
  const text = (markdown, height = 2) => {
    widgets.push({ type: 'text', x: 0, y, width: 24, height, properties: { markdown } });
    y += height;
  };
  const grid = (items) => {
    items.forEach((properties, i) => {
      widgets.push({ type: 'metric', x: (i % 3) * WIDTH, y: y + Math.floor(i / 3) * HEIGHT, width: WIDTH, height: HEIGHT, properties });
    });
    y += Math.ceil(items.length / 3) * HEIGHT;
  };
  const metricWidget = (title, metrics) => ({
    title,
    view: 'timeSeries',
    region: '${AWS::Region}',
    stat: 'Maximum',
    period: 3600,
    metrics,
  });

  text(`# keywarden staleness (${stage})\nHourly scan of every secret: figures overall and by type, then one row per tenant. Findings for stale, unused and failing secrets go to the keywarden-${stage} bus once a day.`, 3);
  widgets.push({
    type: 'alarm',
    x: 0,
    y,
    width: 24,
    height: 3,
    properties: { title: 'Alarms', alarms: ALARMS.map((name) => `arn:aws:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:keywarden-${stage}-${name}`) },
  });
  y += 3;
  text('## Overall and by type');
  grid([
    ...METRICS.map(([name, title]) =>
      metricWidget(title, [
        [namespace, name, { label: 'all secrets' }],
        ...TYPES.map((type) => [namespace, name, 'SecretType', type, { label: type }]),
      ]),
    ),
    metricWidget('Secret age, days (p50, p90, max)', [
      [namespace, 'SecretAgeDays', { stat: 'p50', label: 'p50' }],
      [namespace, 'SecretAgeDays', { stat: 'p90', label: 'p90' }],
      [namespace, 'SecretAgeDays', { stat: 'Maximum', label: 'max' }],
    ]),
  ]);
  for (const tenant of tenants) {
    text(`## Tenant ${tenant}`, 1);
    grid(METRICS.map(([name, title]) => metricWidget(`${title}: ${tenant}`, [[namespace, name, 'Tenant', tenant, { label: tenant }]])));
  }
  if (widgets.length > MAX_WIDGETS) {
    throw new Error(`the staleness dashboard would have ${widgets.length} widgets (CloudWatch allows ${MAX_WIDGETS}): list fewer tenants in stalenessTenants`);
  }
  return { 'Fn::Sub': JSON.stringify({ widgets }) };
}

/** Parses the stalenessTenants param: comma- or space-separated tenant names. */
function parseTenants(raw) {
  const tenants = String(raw ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  for (const tenant of tenants) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(tenant)) throw new Error(`stalenessTenants: "${tenant}" is not a tenant name (letters, digits, . _ -)`);
  }
  return [...new Set(tenants)];
}

module.exports = {
  dashboardBody,
  parseTenants,
  METRICS,
  /** Serverless calls this for ${file(deploy/staleness-dashboard.cjs):body}. */
  body: async ({ resolveVariable }) => {
    const stage = await resolveVariable('sls:stage');
    const tenants = parseTenants(await resolveVariable("param:stalenessTenants, ''"));
    return dashboardBody(stage, tenants);
  },
};
