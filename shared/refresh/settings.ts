import { resourceNames } from '../resource-names';
import { listSetting, oneOf, optionalSetting, anyText, requiredSetting, setting, stageNamed, wholeNumber } from '../settings/fields';
import { ESO_API_VERSIONS } from './actions/eso-force-sync';

/**
 * The refresh function's settings (shared/settings): the allow-list (deploy/refresh.yml's params),
 * the name of the Kubernetes connection secret, and timings. Every allow-list empty by default: an
 * action does nothing until an administrator names what it may touch.
 */
export const refreshSettingsSchema = {
  stage: requiredSetting('KEYWARDEN_STAGE', anyText, 'the stage name'),
  findingsBus: requiredSetting('KEYWARDEN_FINDINGS_BUS', anyText, 'the keywarden bus, for refresh findings'),
  /** `<cluster>/<service-name prefix>` entries, comma-separated; `{tenant}` is the secret's tenant. */
  ecsServices: listSetting('KEYWARDEN_REFRESH_ECS_SERVICES', []),
  /** Lambda function-name prefixes, comma-separated; `{tenant}` is the secret's tenant. */
  lambdaPrefixes: listSetting('KEYWARDEN_REFRESH_LAMBDA_PREFIXES', []),
  /** Kubernetes namespaces, comma-separated; `{tenant}` is the secret's tenant. */
  k8sNamespaces: listSetting('KEYWARDEN_REFRESH_K8S_NAMESPACES', []),
  /** The Secrets Manager secret holding {server, token, caCertificate}; unset: no Kubernetes action can run. */
  k8sSecret: optionalSetting('KEYWARDEN_REFRESH_K8S_SECRET', anyText),
  esoApiVersion: setting('KEYWARDEN_REFRESH_ESO_API_VERSION', oneOf(ESO_API_VERSIONS), 'v1beta1'),
  /** The rotation ledger table, where the refresh records live; unset: the stage's. */
  rotationLedgerTable: stageNamed('KEYWARDEN_ROTATION_LEDGER_TABLE', (stage) => resourceNames(stage).tables.rotationLedger),
  /** Deadline of one API call of an action (Kubernetes, ECS, Lambda). */
  timeoutMs: setting('KEYWARDEN_REFRESH_TIMEOUT_MS', wholeNumber(100, 60_000), 10_000),
  /** Kept back from the invocation's time to publish findings, record targets and answer; no message or target starts inside it. */
  reserveMs: setting('KEYWARDEN_REFRESH_RESERVE_MS', wholeNumber(0, 60_000), 10_000),
  /** How long to wait for Lambda to apply a configuration before publishing the version. */
  lambdaWaitSeconds: setting('KEYWARDEN_REFRESH_LAMBDA_WAIT_SECONDS', wholeNumber(0, 600), 60),
  /** How long a warm instance keeps the Kubernetes connection it read. */
  k8sConfigTtlSeconds: setting('KEYWARDEN_REFRESH_K8S_CONFIG_TTL_SECONDS', wholeNumber(0, 3_600), 300),
};
