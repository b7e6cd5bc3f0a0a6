import { DescribeSecretCommand, TagResourceCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { eventBridge } from '../../shared/aws/clients';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import type { ConsumerCheckPlan } from '../../shared/staleness/consumer-check';
import { SECRET_VERSION_VARIABLE } from '../../shared/refresh/actions/lambda-config-version';
import { playRotation } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import { putCloudTrail } from '../local/cloudtrail';
import type { Output } from '../output';
import { consumerExists, consumerVariables, createConsumerFunction } from './consumer-function';
import { readRecord, readsEvery, stageMoveRecord } from './consumer-trail';
import { DEMO_LAMBDA_PREFIXES } from './refresh';
import { DEMO_APP } from './secrets';
import { createDemoSecret, describeSecret } from './seed';
import { runDemoStalenessScan } from './staleness';

/** The secret whose consumers the demo follows through a rotation. */
export const DEMO_CONSUMER_SECRET = `${DEMO_APP}/tenant-1/orders-service-password`;
/**
 * Its two consumers: one refreshes on its own; one, tenant-1's Lambda function that reads the
 * secret at start (its role has the function's name), is left behind until the refresh action
 * named by the secret's `keywarden:refresh-lambda` tag gives it a new configuration version.
 */
export const DEMO_CONSUMERS = { refreshing: 'multitenant-ai-poc-tenant-1-role', leftBehind: 'team-tenant-1-orders-sync' } as const;
/** The left-behind consumer's user agent: the SDK in a Node.js Lambda function. */
const LAMBDA_AGENT = { userAgent: 'aws-sdk-js/3.1169.0 ua/2.1 os/linux lang/js md/nodejs#22.11.0 api/secrets-manager#3.1169.0 exec-env/AWS_Lambda_nodejs22.x' };

/** What the consumer part of the demo saw, for the summary and its checks. */
export interface DemoConsumers {
  secretId: string;
  versionId?: string;
  /** The freshness check's counts on the first scan (one consumer behind) and after the refresh. */
  first?: ConsumerCheckPlan['counts'];
  second?: ConsumerCheckPlan['counts'];
  /** The refresh action: the secret version the left-behind function's configuration now carries. */
  refreshedTo?: string;
  error?: string;
}

/**
 * A consumer left behind after a rotation, its finding, a refresh action, and the finding resolved:
 * the secret (tagged `keywarden:refresh-lambda` with the left-behind consumer's function) is
 * rotated through the rotate bundle, whose `keywarden.rotation` event waits on the refresh queue;
 * the last three hours of its CloudTrail (two consumers reading every 10 minutes, the rotation 40
 * minutes ago, one consumer reading since) go through the audit queue, as the local AWS writes no
 * CloudTrail of its own; the staleness bundle's freshness check names the one behind; the refresh
 * bundle drains the refresh queue and gives that function a new configuration version; its new
 * instances read the secret at start (their read goes through the audit queue too, as moto runs no
 * function code), and the next scan resolves the finding. Both findings reach the stand-ins.
 */
export async function runDemoConsumers(
  client: SecretsManagerClient,
  stage: string,
  out: Output,
  drains: { audit: () => Promise<number>; refresh: () => Promise<number> },
): Promise<DemoConsumers> {
  const secretId = DEMO_CONSUMER_SECRET;
  try {
    const arn = await prepareConsumers(client, stage, out);
    // Secrets Manager names the secret by ARN when it invokes the rotation function.
    const rotation = await playRotation(arn, { start: rotateSecretStarter(client, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    if (!rotation.ok) return { secretId, error: `the rotation failed at ${rotation.failedStep}` };
    const now = Date.now();
    const change = new Date(now - 40 * 60_000);
    const before = new Date(change.getTime() - 120 * 60_000);
    out.progress(`consumers of ${secretId}: replaying its CloudTrail (two consumers every 10 minutes, the rotation to ${rotation.token} 40 minutes ago, one consumer reading since)`);
    await putCloudTrail(eventBridge(), [
      ...readsEvery(secretId, DEMO_CONSUMERS.refreshing, before, change, 10),
      ...readsEvery(secretId, DEMO_CONSUMERS.leftBehind, before, change, 10, LAMBDA_AGENT),
      stageMoveRecord(secretId, rotation.token, change),
      readRecord(secretId, DEMO_CONSUMERS.refreshing, new Date(now - 30 * 60_000)),
    ]);
    await drains.audit();
    const first = (await runDemoStalenessScan(new Date())).consumers;
    out.progress(`  freshness check: ${first?.behind ?? 0} consumer(s) behind, finding consumers.unrefreshed ${first?.opened ? 'opened' : 'NOT opened'}`);
    await drains.refresh();
    const refreshedTo = (await consumerVariables(DEMO_CONSUMERS.leftBehind))[SECRET_VERSION_VARIABLE];
    out.progress(`  refresh: the keywarden.rotation event's lambda-config-version action gave ${DEMO_CONSUMERS.leftBehind} a configuration version carrying ${refreshedTo ?? 'NOTHING'}; its new instances read the secret at start`);
    await putCloudTrail(eventBridge(), [readRecord(secretId, DEMO_CONSUMERS.leftBehind, new Date(), LAMBDA_AGENT)]);
    await drains.audit();
    const second = (await runDemoStalenessScan(new Date())).consumers;
    out.progress(`  freshness check: ${second?.behind ?? 0} consumer(s) behind, ${second?.resolved ?? 0} finding(s) resolved`);
    return { secretId, versionId: rotation.token, first, second, ...(refreshedTo !== undefined && { refreshedTo }) };
  } catch (error) {
    return { secretId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The consumer function and the secret tagged to refresh it, made once; the secret's ARN. */
async function prepareConsumers(client: SecretsManagerClient, stage: string, out: Output): Promise<string> {
  // The template's allow-list is empty unless the stage was packaged with one: the demo's own.
  if (!process.env.KEYWARDEN_REFRESH_LAMBDA_PREFIXES) process.env.KEYWARDEN_REFRESH_LAMBDA_PREFIXES = DEMO_LAMBDA_PREFIXES;
  if (!(await consumerExists(DEMO_CONSUMERS.leftBehind))) {
    await createConsumerFunction(DEMO_CONSUMERS.leftBehind, { ORDERS_TABLE: 'tenant-1-orders' });
    out.progress(`created the Lambda function ${DEMO_CONSUMERS.leftBehind}, a consumer of ${DEMO_CONSUMER_SECRET}`);
  }
  const secretId = DEMO_CONSUMER_SECRET;
  if (!(await describeSecret(client, secretId))) await createDemoSecret(client, { name: secretId, strategy: 'password', value: { username: 'orders_svc' } }, stage);
  await client.send(new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: 'keywarden:refresh-lambda', Value: DEMO_CONSUMERS.leftBehind }] }));
  return (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).ARN!;
}

/** What the consumer part promises: one consumer behind and named, then resolved after the refresh. */
export function brokenConsumerPromises(demo: DemoConsumers, slackMessages: readonly string[]): string[] {
  if (demo.error) return [`the consumer part of the demo: ${demo.error}`];
  const broken: string[] = [];
  if (demo.first?.behind !== 1 || demo.first.opened !== 1) broken.push(`the freshness check of ${demo.secretId} did not open a finding for the one consumer left behind`);
  if (demo.refreshedTo !== demo.versionId) broken.push(`the refresh action did not give ${DEMO_CONSUMERS.leftBehind} a configuration version carrying ${demo.versionId}`);
  if (demo.second?.behind !== 0 || demo.second.resolved !== 1) broken.push(`the freshness check of ${demo.secretId} did not resolve its finding after the refresh`);
  if (!slackMessages.some((m) => m.includes(`consumer(s) of ${demo.secretId} have not read it since it rotated`))) broken.push('the consumers.unrefreshed finding did not reach the Slack stand-in');
  return broken;
}

/** The summary's line. */
export function consumersLine(demo: DemoConsumers): string {
  if (demo.error) return `consumers of ${demo.secretId}: FAILED (${demo.error})`;
  return `consumers of ${demo.secretId}: after the rotation to ${demo.versionId}, ${demo.first?.behind ?? 0} left behind (finding consumers.unrefreshed), refreshed (${DEMO_CONSUMERS.leftBehind} got a configuration version carrying ${demo.refreshedTo ?? 'nothing'}), then ${demo.second?.resolved ?? 0} finding(s) resolved; see \`keywarden consumers ${demo.secretId} --local\``;
}
