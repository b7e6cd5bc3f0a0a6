/**
 * The name of every resource of a stage, as serverless.yml and deploy/*.yml declare them
 * (`keywarden-<stage>-...`). The functions derive a name from `KEYWARDEN_STAGE` when its variable
 * is unset, and the CLI, the local AWS, the demo and the benchmarks find a stage's resources with
 * these, so a name is spelled in one place; test/unit/resource-names.test.ts checks each one
 * against the template and that the template names nothing this module does not know.
 */

/** The Lambda functions of the stack, by their key in deploy/*.yml. */
export const FUNCTION_KEYS = ['rotate', 'alert', 'staleness', 'audit', 'emergency', 'refresh'] as const;
/** One of {@link FUNCTION_KEYS}. */
export type FunctionKey = (typeof FUNCTION_KEYS)[number];

/** Every name of one stage. */
export interface StageResourceNames {
  stage: string;
  /** The CloudFormation stack (serverless's `<service>-<stage>`), also every name's prefix. */
  stack: string;
  /** The bus findings go to (deploy/findings.yml). */
  findingsBus: string;
  /** The bus member accounts forward their audit events to (deploy/member-accounts.cjs, only with member accounts). */
  auditIntakeBus: string;
  /** Lambda function names (serverless names them `<stack>-<key>`). */
  functions: Record<FunctionKey, string>;
  /** Each function's log group. */
  logGroups: Record<FunctionKey, string>;
  /** Each function's IAM role, which carries the region so one stage can be deployed to several. */
  roles: (region: string) => Record<FunctionKey, string>;
  tables: {
    bindings: string;
    rotationLedger: string;
    alertState: string;
    stalenessState: string;
    audit: string;
    auditState: string;
    emergency: string;
  };
  queues: {
    alerts: string;
    alertsDlq: string;
    audit: string;
    auditDlq: string;
    refresh: string;
    refreshDlq: string;
    asyncFailures: string;
  };
  topics: { alerts: string; alertsFallback: string };
  rules: { findingsToAlerts: string; rotationEventsToAlerts: string; audit: string; rotationsToRefresh: string };
  alarms: { alertsDeadLettered: string; refreshDeadLettered: string; staleSecrets: string; rotationFailing: string; stalenessScanMissing: string; asyncInvocationFailed: string };
  dashboards: { staleness: string };
  /** The managed policy a parameter's own rotator attaches (deploy/ssm-parameters.cjs). */
  parameterRotatorPolicy: (region: string) => string;
  /** Custom rotator functions must be named with this prefix: the rotate role may invoke only them (deploy/custom-rotator.yml). */
  customRotatorPrefix: string;
  /** Secrets keywarden itself reads: `keywarden/<stage>/...`. */
  secrets: { alertChannels: string; kubernetesConnection: string };
  /** The CloudWatch namespace of the staleness metrics. */
  metricsNamespace: string;
  /** What a member account's own stacks name (deploy/member-account-role.yml, deploy/member-account-audit.yml). */
  memberAccount: { readerRole: string; rotationRole: string; auditForwardRule: string; auditForwardRole: (region: string) => string };
}

/** The names of `stage`'s resources. */
export function resourceNames(stage: string): StageResourceNames {
  const stack = `keywarden-${stage}`;
  const name = (suffix: string) => `${stack}-${suffix}`;
  const perFunction = (of: (key: FunctionKey) => string) => Object.fromEntries(FUNCTION_KEYS.map((key) => [key, of(key)])) as Record<FunctionKey, string>;
  const functions = perFunction(name);
  return {
    stage,
    stack,
    findingsBus: stack,
    auditIntakeBus: name('audit-intake'),
    functions,
    logGroups: perFunction((key) => `/aws/lambda/${functions[key]}`),
    roles: (region) => perFunction((key) => name(`${key}-${region}`)),
    tables: {
      bindings: name('bindings'),
      rotationLedger: name('rotation-ledger'),
      alertState: name('alert-state'),
      stalenessState: name('staleness-state'),
      audit: name('audit'),
      auditState: name('audit-state'),
      emergency: name('emergency'),
    },
    queues: {
      alerts: name('alerts'),
      alertsDlq: name('alerts-dlq'),
      audit: name('audit'),
      auditDlq: name('audit-dlq'),
      refresh: name('refresh'),
      refreshDlq: name('refresh-dlq'),
      asyncFailures: name('async-failures'),
    },
    topics: { alerts: name('alerts'), alertsFallback: name('alerts-fallback') },
    rules: {
      findingsToAlerts: name('findings-to-alerts'),
      rotationEventsToAlerts: name('rotation-events-to-alerts'),
      audit: name('audit'),
      rotationsToRefresh: name('rotations-to-refresh'),
    },
    alarms: {
      alertsDeadLettered: name('alerts-dead-lettered'),
      refreshDeadLettered: name('refresh-dead-lettered'),
      staleSecrets: name('stale-secrets'),
      rotationFailing: name('rotation-failing'),
      stalenessScanMissing: name('staleness-scan-missing'),
      asyncInvocationFailed: name('async-invocation-failed'),
    },
    dashboards: { staleness: name('staleness') },
    parameterRotatorPolicy: (region) => name(`parameter-rotator-${region}`),
    customRotatorPrefix: name('rotator-'),
    secrets: { alertChannels: `keywarden/${stage}/alert-channels`, kubernetesConnection: `keywarden/${stage}/kubernetes-connection` },
    metricsNamespace: `Keywarden/${stage}/Staleness`,
    memberAccount: {
      readerRole: name('reader'),
      rotationRole: name('member-rotation'),
      auditForwardRule: name('audit-forward'),
      auditForwardRole: (region) => name(`audit-forward-${region}`),
    },
  };
}
