import { CreateSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../../shared/aws/clients';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { playRotation, type RotationReport } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import { ensureLocalStack, exportLines } from '../local';
import type { Output } from '../output';
import { applyFunctionEnvironments } from './function-env';
import { runPipeline, type PipelineSummary } from './pipeline';
import { DEMO_LEAKED_SECRET, DEMO_SECRETS, type DemoSecret } from './secrets';

/** Days between scheduled rotations of the demo secrets. */
const DEMO_ROTATION_DAYS = 30;

/** What the demo did, for its summary and for tests. */
export interface DemoSummary {
  endpoint: string;
  created: string[];
  rotations: RotationReport[];
  pipeline: PipelineSummary;
}

/**
 * keywarden end to end on one machine: the local AWS with serverless.yml's resources, the demo
 * tenants' secrets, each rotated through the built rotate bundle. Safe to run again: existing
 * secrets are kept and rotated once more.
 */
export async function runDemo(out: Output, options: { stage: string }): Promise<DemoSummary> {
  const stack = await ensureLocalStack({ stage: options.stage, onProgress: (m) => out.progress(m) });
  const client = secretsManager();
  const created = await seedSecrets(client, options.stage, out);
  const rotations: RotationReport[] = [];
  for (const secret of DEMO_SECRETS) {
    out.progress(`rotating ${secret.name} (${secret.strategy})`);
    rotations.push(await rotateThroughBundle(client, secret.name));
  }
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  applyFunctionEnvironments(options.stage, stack.resources.values, ['audit', 'alert', 'staleness']);
  const names = DEMO_SECRETS.map((s) => s.name);
  const pipeline = await runPipeline(out, options.stage, stack.resources.values, names, DEMO_LEAKED_SECRET);
  const summary = { endpoint: stack.endpoint, created, rotations, pipeline };
  printSummary(out, summary, stack.env);
  return summary;
}

async function seedSecrets(client: SecretsManagerClient, stage: string, out: Output): Promise<string[]> {
  const created: string[] = [];
  for (const secret of DEMO_SECRETS) {
    if (await exists(client, secret.name)) continue;
    await client.send(new CreateSecretCommand({ Name: secret.name, SecretString: JSON.stringify(secret.value), Tags: tagsOf(secret, stage) }));
    created.push(secret.name);
    out.progress(`created ${secret.name}`);
  }
  return created;
}

function tagsOf(secret: DemoSecret, stage: string) {
  const tags = { 'keywarden:strategy': secret.strategy, 'keywarden:stage': stage, ...secret.tags };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

async function exists(client: SecretsManagerClient, name: string): Promise<boolean> {
  try {
    await client.send(new DescribeSecretCommand({ SecretId: name }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

function rotateThroughBundle(client: SecretsManagerClient, name: string): Promise<RotationReport> {
  return playRotation(name, {
    start: rotateSecretStarter(client, DEMO_ROTATION_DAYS),
    invoke: async (event) => {
      await invokeBundle('rotate', event);
    },
  });
}

function printSummary(out: Output, summary: DemoSummary, env: Record<string, string>): void {
  const failed = summary.rotations.filter((r) => !r.ok);
  const p = summary.pipeline;
  const review = p.emergency.secrets[0]?.accessReview;
  out.result(
    [
      '',
      `keywarden demo: ${summary.rotations.length - failed.length} of ${summary.rotations.length} secrets rotated through the built rotate bundle`,
      ...summary.rotations.map((r) => `  ${r.ok ? 'ok    ' : 'FAILED'} ${r.secretId}${r.ok ? '' : ` at ${r.failedStep}: ${r.steps.at(-1)?.error}`}`),
      `audit: ${p.auditEvents} CloudTrail events replayed through the default bus, the audit queue and the audit bundle${p.stratusNote ? ` (${p.stratusNote})` : ''}`,
      `emergency rotation of ${DEMO_LEAKED_SECRET}: ${p.emergency.ok ? 'ok' : 'FAILED'} (${p.emergency.secrets[0]?.steps.map((s) => `${s.step} ${s.outcome}`).join(', ')}); ${review ? `${review.reads} read(s) by ${review.principals.length} principal(s) in the access review` : ''}`,
      `alerts: ${p.alertsDelivered} finding(s) through the alert queue; Slack stand-in got ${p.slackMessages.length} message(s), PagerDuty stand-in ${p.pagerDutyEvents.length} event(s):`,
      ...p.slackMessages.map((m) => `  slack      ${m.slice(0, 140)}`),
      ...p.pagerDutyEvents.map((e) => `  pagerduty  ${e.slice(0, 140)}`),
      `compliance report: ${p.reportFile} (score ${p.complianceScore.toFixed(1)}%)`,
      '',
      `the local AWS is still running at ${summary.endpoint}; to look around:`,
      ...exportLines(env).map((line) => `  ${line}`),
      '  node bin/keywarden.mjs rotate --local multitenant-ai-poc/tenant-1/partner-api-key',
      'stop it with: node bin/keywarden.mjs local down',
    ],
    { event: 'demo', ...summary },
  );
  if (failed.length > 0 || !p.emergency.ok) process.exitCode = 1;
}
