import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { eventBridge } from '../../shared/aws/clients';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import type { ConsumerCheckPlan } from '../../shared/consumers/check';
import { playRotation } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import { putCloudTrail } from '../local/cloudtrail';
import type { Output } from '../output';
import { readRecord, readsEvery, stageMoveRecord } from './consumer-trail';
import { DEMO_APP } from './secrets';
import { createDemoSecret, describeSecret } from './seed';
import { runDemoStalenessScan } from './staleness';

/** The secret whose consumers the demo follows through a rotation. */
export const DEMO_CONSUMER_SECRET = `${DEMO_APP}/tenant-1/orders-service-password`;
/** Its two consumers: one refreshes on its own, one (an External Secrets sync) is left behind. */
export const DEMO_CONSUMERS = { refreshing: 'multitenant-ai-poc-tenant-1-role', leftBehind: 'orders-external-secrets' } as const;

/** What the consumer part of the demo saw, for the summary and its checks. */
export interface DemoConsumers {
  secretId: string;
  versionId?: string;
  /** The freshness check's counts on the first scan (one consumer behind) and after the refresh. */
  first?: ConsumerCheckPlan['counts'];
  second?: ConsumerCheckPlan['counts'];
  error?: string;
}

/**
 * A consumer left behind after a rotation, its finding, a refresh, and the finding resolved: the
 * secret is rotated through the rotate bundle; the last three hours of its CloudTrail (two
 * consumers reading every 10 minutes, the rotation 40 minutes ago, one consumer reading since)
 * go through the audit queue, as the local AWS writes no CloudTrail of its own; the staleness
 * bundle's freshness check names the one behind; the refresh (what the `keywarden.rotation`
 * event's External Secrets sync makes happen: the consumer reads the current version) goes
 * through the audit queue too, and the next scan resolves the finding. Both findings reach the
 * stand-ins with the pipeline's alert delivery.
 */
export async function runDemoConsumers(client: SecretsManagerClient, stage: string, out: Output, drainAudit: () => Promise<number>): Promise<DemoConsumers> {
  const secretId = DEMO_CONSUMER_SECRET;
  try {
    if (!(await describeSecret(client, secretId))) await createDemoSecret(client, { name: secretId, strategy: 'password', value: { username: 'orders_svc' } }, stage);
    const rotation = await playRotation(secretId, { start: rotateSecretStarter(client, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
    if (!rotation.ok) return { secretId, error: `the rotation failed at ${rotation.failedStep}` };
    const now = Date.now();
    const change = new Date(now - 40 * 60_000);
    const before = new Date(change.getTime() - 120 * 60_000);
    out.progress(`consumers of ${secretId}: replaying its CloudTrail (two consumers every 10 minutes, the rotation to ${rotation.token} 40 minutes ago, one consumer reading since)`);
    await putCloudTrail(eventBridge(), [
      ...readsEvery(secretId, DEMO_CONSUMERS.refreshing, before, change, 10),
      ...readsEvery(secretId, DEMO_CONSUMERS.leftBehind, before, change, 10, { userAgent: 'external-secrets/v0.10.4 aws-sdk-go/1.55.5' }),
      stageMoveRecord(secretId, rotation.token, change),
      readRecord(secretId, DEMO_CONSUMERS.refreshing, new Date(now - 30 * 60_000)),
    ]);
    await drainAudit();
    const first = (await runDemoStalenessScan(new Date())).consumers;
    out.progress(`  freshness check: ${first?.behind ?? 0} consumer(s) behind, finding consumers.unrefreshed ${first?.opened ? 'opened' : 'NOT opened'}`);
    out.progress(`  refresh: ${DEMO_CONSUMERS.leftBehind} syncs (the keywarden.rotation event's External Secrets refresh; here its effect, the consumer reading the current version)`);
    await putCloudTrail(eventBridge(), [readRecord(secretId, DEMO_CONSUMERS.leftBehind, new Date(), { userAgent: 'external-secrets/v0.10.4 aws-sdk-go/1.55.5' })]);
    await drainAudit();
    const second = (await runDemoStalenessScan(new Date())).consumers;
    out.progress(`  freshness check: ${second?.behind ?? 0} consumer(s) behind, ${second?.resolved ?? 0} finding(s) resolved`);
    return { secretId, versionId: rotation.token, first, second };
  } catch (error) {
    return { secretId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** What the consumer part promises: one consumer behind and named, then resolved after the refresh. */
export function brokenConsumerPromises(demo: DemoConsumers, slackMessages: readonly string[]): string[] {
  if (demo.error) return [`the consumer part of the demo: ${demo.error}`];
  const broken: string[] = [];
  if (demo.first?.behind !== 1 || demo.first.opened !== 1) broken.push(`the freshness check of ${demo.secretId} did not open a finding for the one consumer left behind`);
  if (demo.second?.behind !== 0 || demo.second.resolved !== 1) broken.push(`the freshness check of ${demo.secretId} did not resolve its finding after the refresh`);
  if (!slackMessages.some((m) => m.includes(`consumer(s) of ${demo.secretId} have not read it since it rotated`))) broken.push('the consumers.unrefreshed finding did not reach the Slack stand-in');
  return broken;
}

/** The summary's line. */
export function consumersLine(demo: DemoConsumers): string {
  if (demo.error) return `consumers of ${demo.secretId}: FAILED (${demo.error})`;
  return `consumers of ${demo.secretId}: after the rotation to ${demo.versionId}, ${demo.first?.behind ?? 0} left behind (finding consumers.unrefreshed), refreshed, then ${demo.second?.resolved ?? 0} finding(s) resolved; see \`keywarden consumers ${demo.secretId} --local\``;
}
