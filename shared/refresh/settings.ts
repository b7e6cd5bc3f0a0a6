import { z } from 'zod';
import { integerFromEnv, listFromEnv, requiredString } from '../config';
import { ESO_API_VERSIONS } from './actions/eso-force-sync';

/**
 * The refresh function's environment: the allow-list (deploy/refresh.yml's params), the name of
 * the Kubernetes connection secret, and timings. Every allow-list empty by default: an action
 * does nothing until an administrator names what it may touch.
 */
export const refreshEnvSchema = z.object({
  KEYWARDEN_STAGE: requiredString('KEYWARDEN_STAGE (the stage name)'),
  KEYWARDEN_FINDINGS_BUS: requiredString('KEYWARDEN_FINDINGS_BUS (the keywarden bus, for refresh findings)'),
  /** `<cluster>/<service-name prefix>` entries, comma-separated; `{tenant}` is the secret's tenant. */
  KEYWARDEN_REFRESH_ECS_SERVICES: listFromEnv([]),
  /** Lambda function-name prefixes, comma-separated; `{tenant}` is the secret's tenant. */
  KEYWARDEN_REFRESH_LAMBDA_PREFIXES: listFromEnv([]),
  /** Kubernetes namespaces, comma-separated; `{tenant}` is the secret's tenant. */
  KEYWARDEN_REFRESH_K8S_NAMESPACES: listFromEnv([]),
  /** The Secrets Manager secret holding {server, token, caCertificate}; unset: no Kubernetes action can run. */
  KEYWARDEN_REFRESH_K8S_SECRET: z.string().optional(),
  KEYWARDEN_REFRESH_ESO_API_VERSION: z.enum(ESO_API_VERSIONS).default('v1beta1'),
  /** The rotation ledger table, where the refresh records live; unset: derived from the stage. */
  KEYWARDEN_ROTATION_LEDGER_TABLE: z.string().min(3).optional(),
  /** Deadline of one API call of an action (Kubernetes, ECS, Lambda). */
  KEYWARDEN_REFRESH_TIMEOUT_MS: integerFromEnv(10_000, 100, 60_000),
  /** Kept back from the invocation's time to publish findings, record targets and answer; no message or target starts inside it. */
  KEYWARDEN_REFRESH_RESERVE_MS: integerFromEnv(10_000, 0, 60_000),
  /** How long to wait for Lambda to apply a configuration before publishing the version. */
  KEYWARDEN_REFRESH_LAMBDA_WAIT_SECONDS: integerFromEnv(60, 0, 600),
  /** How long a warm instance keeps the Kubernetes connection it read. */
  KEYWARDEN_REFRESH_K8S_CONFIG_TTL_SECONDS: integerFromEnv(300, 0, 3_600),
});

/** The validated environment. */
export type RefreshEnv = z.infer<typeof refreshEnvSchema>;
