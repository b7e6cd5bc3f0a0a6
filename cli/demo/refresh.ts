import { CreateSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sqs } from '../../shared/aws/clients';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { SECRET_VERSION_VARIABLE } from '../../shared/refresh/actions/lambda-config-version';
import { playRotation, type RotationReport } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import type { ResourceValues } from '../local/resolve';
import { drainQueue } from '../local/sqs-event-source';
import type { Output } from '../output';
import { consumerExists, consumerVariables, consumerVersions, createConsumerFunction } from './consumer-function';

/** The demo's consumer: tenant-1's reporting function, which reads the secret below at start. */
export const DEMO_CONSUMER_FUNCTION = 'team-tenant-1-reporter';
export const DEMO_REFRESHED_SECRET = 'multitenant-ai-poc/tenant-1/reporter-api-key';
/** The demo's allow-list, when the stage was deployed without one (`refreshLambdaPrefixes`). */
export const DEMO_LAMBDA_PREFIXES = 'team-{tenant}-';

/** What the demo's refresh did, as the local AWS tells it afterwards. */
export interface DemoRefresh {
  secret: string;
  functionName: string;
  rotation: RotationReport;
  /** The version the rotation made AWSCURRENT. */
  versionId?: string;
  /** The function's published versions before and after. */
  versionsBefore: string[];
  versionsAfter: string[];
  /** KEYWARDEN_SECRET_VERSION on the function now: the rotated version when the refresh ran. */
  configuredVersion?: string;
  /** The refresh function's drain of the refresh queue. */
  refreshed: { received: number; retried: number };
}

/**
 * A refresh action that visibly runs: a secret tagged `keywarden:refresh-lambda` is rotated
 * through the built rotate bundle, whose `keywarden.rotation` event the template's rule puts on the
 * refresh queue; the built refresh bundle drains it and gives the tenant's function a new
 * configuration version carrying the new secret version. Needs the rotate and refresh functions'
 * environments applied (applyFunctionEnvironments). Safe to run again: the function and the
 * secret are made once, each run rotates once more and publishes one more version.
 */
export async function runDemoRefresh(client: SecretsManagerClient, stage: string, values: Record<string, ResourceValues>, out: Output): Promise<DemoRefresh> {
  // The template's allow-list is empty unless the stage was packaged with one: the demo's own.
  if (!process.env.KEYWARDEN_REFRESH_LAMBDA_PREFIXES) process.env.KEYWARDEN_REFRESH_LAMBDA_PREFIXES = DEMO_LAMBDA_PREFIXES;
  if (!(await consumerExists(DEMO_CONSUMER_FUNCTION))) {
    await createConsumerFunction(DEMO_CONSUMER_FUNCTION, { REPORT_BUCKET: 'tenant-1-reports' });
    out.progress(`created the Lambda function ${DEMO_CONSUMER_FUNCTION}, a consumer of ${DEMO_REFRESHED_SECRET}`);
  }
  const arn = await ensureSecret(client, stage);
  const versionsBefore = await consumerVersions(DEMO_CONSUMER_FUNCTION);
  out.progress(`rotating ${DEMO_REFRESHED_SECRET}; its tag keywarden:refresh-lambda names ${DEMO_CONSUMER_FUNCTION}`);
  // Secrets Manager names the secret by ARN when it invokes the rotation function.
  const rotation = await playRotation(arn, { start: rotateSecretStarter(client, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
  const drained = await drainQueue({ client: sqs(), queueUrl: values.RefreshQueue!.ref, invoke: (event) => invokeBundle('refresh', event) });
  const described = await client.send(new DescribeSecretCommand({ SecretId: arn }));
  const versionId = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  const configuredVersion = (await consumerVariables(DEMO_CONSUMER_FUNCTION))[SECRET_VERSION_VARIABLE];
  return {
    secret: DEMO_REFRESHED_SECRET,
    functionName: DEMO_CONSUMER_FUNCTION,
    rotation,
    ...(versionId !== undefined && { versionId }),
    versionsBefore,
    versionsAfter: await consumerVersions(DEMO_CONSUMER_FUNCTION),
    ...(configuredVersion !== undefined && { configuredVersion }),
    refreshed: { received: drained.received, retried: drained.retried },
  };
}

/** True when the refresh did what it should: the function runs on a new version made for the rotated secret. */
export function demoRefreshWorked(refresh: DemoRefresh): boolean {
  return refresh.rotation.ok && refresh.configuredVersion === refresh.versionId && refresh.versionsAfter.length === refresh.versionsBefore.length + 1;
}

/** The demo secret's ARN, creating it (api-key strategy, tagged for refresh) the first time. */
async function ensureSecret(client: SecretsManagerClient, stage: string): Promise<string> {
  try {
    return (await client.send(new DescribeSecretCommand({ SecretId: DEMO_REFRESHED_SECRET }))).ARN!;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const tags = { 'keywarden:strategy': 'api-key', 'keywarden:stage': stage, 'keywarden:refresh-lambda': DEMO_CONSUMER_FUNCTION };
  const out = await client.send(
    new CreateSecretCommand({ Name: DEMO_REFRESHED_SECRET, SecretString: JSON.stringify({ service: 'reporter', owner: 'team-tenant-1' }), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
  return out.ARN!;
}
