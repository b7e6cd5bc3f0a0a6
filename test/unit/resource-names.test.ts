import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { FUNCTION_KEYS, resourceNames } from '../../shared/resource-names';

/**
 * shared/resource-names.ts against the template itself: serverless.yml and the deploy/ files it
 * includes, read as serverless reads them (yml files with `${sls:stage}` put in, .cjs files called
 * with a variable resolver), so a name changed on either side fails here without packaging.
 */

const root = join(import.meta.dirname, '..', '..');
const STAGE = 'names-test';
const REGION = 'eu-west-1';
/** A member account, so the resources that exist only with one (the audit intake bus) are declared too. */
const PARAMS: Record<string, string> = { auditMemberAccounts: '111111111111' };

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Part = { functions?: Record<string, { name?: string; environment?: Record<string, unknown> }>; resources?: { Resources?: Record<string, Resource> } };

// CloudFormation's short forms, as their long forms: only the strings inside matter here.
const CFN_TAGS: Tags = ['Sub', 'Ref', 'GetAtt', 'Equals', 'If', 'Join', 'Select', 'Split', 'Not', 'And', 'Or'].flatMap((fn) => {
  const key = fn === 'Ref' ? 'Ref' : `Fn::${fn}`;
  return [
    { tag: `!${fn}`, resolve: (value: string) => ({ [key]: value }) },
    { tag: `!${fn}`, collection: 'seq' as const, resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }) },
  ];
});

function readYml(file: string, stage: string, tags: Record<string, string>): Part {
  let text = readFileSync(join(root, file), 'utf8');
  for (const [variable, value] of Object.entries(tags)) text = text.split(variable).join(value);
  return parse(text, { customTags: CFN_TAGS }) as Part;
}

/** serverless's `resolveVariable` for what the .cjs files ask: `sls:stage`, `self:provider.region`, `param:<name>, '<default>'`. */
function resolver(stage: string, defaults: Record<string, unknown>) {
  return async (expression: string): Promise<unknown> => {
    if (expression === 'sls:stage') return stage;
    if (expression === 'self:provider.region') return REGION;
    const param = /^param:(\w+)(?:, '(.*)')?$/.exec(expression);
    if (!param) throw new Error(`the test's resolver does not know ${expression}`);
    const [, name, fallback] = param;
    return PARAMS[name!] ?? defaults[name!] ?? fallback;
  };
}

/** The functions and resources serverless.yml assembles for `stage`. */
async function template(stage: string): Promise<{ functions: NonNullable<Part['functions']>; resources: Record<string, Resource> }> {
  const service = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { params: { default: Record<string, unknown> }; functions: string[]; resources: string[] };
  const include = (entry: string) => /^\$\{file\((deploy\/[\w.-]+)\):(functions|resources)\}$/.exec(entry)!.slice(1) as [string, 'functions' | 'resources'];
  const functions: NonNullable<Part['functions']> = {};
  for (const [file] of service.functions.map(include)) Object.assign(functions, readYml(file, stage, { '${sls:stage}': stage }).functions);
  const resources: Record<string, Resource> = {};
  for (const [file] of service.resources.map(include)) {
    if (file.endsWith('.cjs')) {
      const module = createRequire(import.meta.url)(join(root, file)) as { resources: (ctx: { resolveVariable: (e: string) => Promise<unknown> }) => Promise<{ Resources?: Record<string, Resource> }> };
      Object.assign(resources, (await module.resources({ resolveVariable: resolver(stage, service.params.default) })).Resources);
    } else {
      Object.assign(resources, readYml(file, stage, { '${sls:stage}': stage }).resources?.Resources);
    }
  }
  return { functions, resources };
}

const NAME_PROPERTIES = ['QueueName', 'TableName', 'TopicName', 'Name', 'RoleName', 'AlarmName', 'DashboardName', 'ManagedPolicyName', 'FunctionName', 'LogGroupName', 'BucketName'];

/** Every resource that names itself, by logical id, with `${AWS::Region}` put in. */
function namedResources(resources: Record<string, Resource>, extra: Record<string, string> = {}): Record<string, string> {
  const named: Record<string, string> = {};
  for (const [id, resource] of Object.entries(resources)) {
    for (const property of NAME_PROPERTIES) {
      const value = resource.Properties?.[property];
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
      if (typeof text !== 'string') continue; // a Ref or GetAtt names another resource, not this one
      let name = text.split('${AWS::Region}').join(REGION);
      for (const [variable, replacement] of Object.entries(extra)) name = name.split(variable).join(replacement);
      named[id] = name;
    }
  }
  return named;
}

/** Every string a names object holds, the per-region ones for REGION. */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'function') return leaves((value as (region: string) => unknown)(REGION));
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

describe('resourceNames (shared/resource-names.ts) against serverless.yml and deploy/', () => {
  it("names every resource of the stack exactly as the template does, and the template names nothing it does not know", async () => {
    const { functions, resources } = await template(STAGE);
    const names = resourceNames(STAGE);
    const roles = names.roles(REGION);
    expect(namedResources(resources)).toEqual({
      FindingsBus: names.findingsBus,
      AuditIntakeBus: names.auditIntakeBus,
      BindingsTable: names.tables.bindings,
      RotationLedgerTable: names.tables.rotationLedger,
      AlertStateTable: names.tables.alertState,
      StalenessStateTable: names.tables.stalenessState,
      AuditTable: names.tables.audit,
      AuditStateTable: names.tables.auditState,
      EmergencyTable: names.tables.emergency,
      AlertQueue: names.queues.alerts,
      AlertDeadLetterQueue: names.queues.alertsDlq,
      AuditQueue: names.queues.audit,
      AuditDeadLetterQueue: names.queues.auditDlq,
      RefreshQueue: names.queues.refresh,
      RefreshDeadLetterQueue: names.queues.refreshDlq,
      AsyncFailureQueue: names.queues.asyncFailures,
      AlertTopic: names.topics.alerts,
      AlertFallbackTopic: names.topics.alertsFallback,
      FindingsToAlertQueueRule: names.rules.findingsToAlerts,
      RotationEventsToAlertQueueRule: names.rules.rotationEventsToAlerts,
      AuditRule: names.rules.audit,
      RotationEventsToRefreshQueueRule: names.rules.rotationsToRefresh,
      AlertDeadLetterAlarm: names.alarms.alertsDeadLettered,
      RefreshDeadLetterAlarm: names.alarms.refreshDeadLettered,
      StaleSecretsAlarm: names.alarms.staleSecrets,
      RotationFailingAlarm: names.alarms.rotationFailing,
      StalenessScanMissingAlarm: names.alarms.stalenessScanMissing,
      AsyncFailureAlarm: names.alarms.asyncInvocationFailed,
      StalenessDashboard: names.dashboards.staleness,
      RotateRole: roles.rotate,
      AlertRole: roles.alert,
      StalenessRole: roles.staleness,
      AuditRole: roles.audit,
      EmergencyRole: roles.emergency,
      RefreshRole: roles.refresh,
      ParameterRotatorPolicy: names.parameterRotatorPolicy(REGION),
    });
    // serverless names a function `<service>-<stage>-<key>` unless the function sets `name`.
    expect(Object.fromEntries(Object.entries(functions).map(([key, fn]) => [key, fn.name ?? `keywarden-${STAGE}-${key}`]))).toEqual(names.functions);
    expect(Object.keys(functions).sort()).toEqual([...FUNCTION_KEYS].sort());
    expect(Object.values(names.logGroups)).toEqual(FUNCTION_KEYS.map((key) => `/aws/lambda/${names.functions[key]}`));
    expect(names.stack).toBe(`keywarden-${STAGE}`);
    // Nothing else in the module goes unchecked: the names left over are each tested below.
    const checked = new Set([...Object.values(namedResources(resources)), ...Object.values(names.functions), ...Object.values(names.logGroups), names.stack]);
    const rest = leaves({ ...names, stage: undefined, secrets: undefined, metricsNamespace: undefined, customRotatorPrefix: undefined, memberAccount: undefined });
    expect(rest.filter((name) => !checked.has(name))).toEqual([]);
  });

  it('names the secrets, the metrics namespace and the custom rotators as the functions are configured', async () => {
    const { functions, resources } = await template(STAGE);
    const names = resourceNames(STAGE);
    const env = (key: string) => functions[key]!.environment ?? {};
    expect(env('alert').KEYWARDEN_ALERT_CHANNELS_SECRET).toBe(names.secrets.alertChannels);
    expect(env('refresh').KEYWARDEN_REFRESH_K8S_SECRET).toBe(names.secrets.kubernetesConnection);
    expect(env('staleness').KEYWARDEN_METRICS_NAMESPACE).toBe(names.metricsNamespace);
    const invokable = JSON.stringify(resources.RotateInvokesCustomRotators);
    expect(invokable).toContain(`:function:${names.customRotatorPrefix}*`);
  });

  it("names a member account's own stacks as their templates do", () => {
    const names = resourceNames(STAGE);
    const stack = (file: string) => namedResources((readYml(file, STAGE, {}) as unknown as { Resources: Record<string, Resource> }).Resources, { '${Stage}': STAGE });
    const both = { ...stack('deploy/member-account-role.yml'), ...stack('deploy/member-account-audit.yml') };
    expect(Object.values(both).sort()).toEqual(
      [names.memberAccount.readerRole, names.memberAccount.rotationRole, names.memberAccount.auditForwardRule, names.memberAccount.auditForwardRole(REGION)].sort(),
    );
  });
});
