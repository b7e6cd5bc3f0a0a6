import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putChannelConfig } from '../../shared/aws/secrets-manager-channel-config';
import { putCloudTrail } from '../../cli/local/cloudtrail';
import { cloudTrailRead, STRATUS_DIR } from '../../cli/demo/traffic';
import { startPagerDutyStandin, startSlackStandin, type PagerDutyStandin, type SlackStandin } from '../../cli/standins';
import { runKeywardenTimed, type TimedRun } from '../support/exit-timing';

// `keywarden local up` as a person runs it, in a state folder of its own (never a developer's
// instance): its runner must move findings and CloudTrail records through the queues to the
// functions and on to the Slack and PagerDuty stand-ins with no other command, as the deployed
// stack does. `--retry-after 1` shortens only the wait before a failed message comes back (the
// queues' visibility timeouts are 6 and 12 minutes); receives, DLQs and batches are as declared.
const stateDir = mkdtempSync(join(tmpdir(), 'keywarden-local-runner-'));
const env: NodeJS.ProcessEnv = { ...process.env, KEYWARDEN_LOCAL_DIR: stateDir, KEYWARDEN_STAGE: 'ci' };
const SECRET = 'multitenant-ai-poc/tenant-1/partner-api-key';
const ALLOWED_LINGER_MS = 3_000;

let endpoint = '';
let slack: SlackStandin;
let pagerduty: PagerDutyStandin;
const lingering: Array<{ args: string; lingerMs: number }> = [];

async function keywarden(...args: string[]): Promise<TimedRun> {
  const run = await runKeywardenTimed(args, env);
  lingering.push({ args: args.join(' '), lingerMs: run.lingerMs });
  return run;
}

function client<T>(Client: new (config: object) => T): T {
  return new Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'keywarden-local', secretAccessKey: 'keywarden-local-secret' } });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function finding(id: string, title: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'events', 'alert', 'finding-audit.json'), 'utf8')) as { detail: Record<string, unknown> };
  // A principal of its own: flood control groups one principal's findings of one rule.
  const principal = { ...(event.detail.principal as Record<string, unknown>), arn: `arn:aws:sts::123456789012:assumed-role/multitenant-ai-poc-tenant-1-role/${id}` };
  return { ...event.detail, id, title, dedupKey: `test:${id}`, principal };
}

async function putFinding(detail: Record<string, unknown>): Promise<void> {
  const out = await client(EventBridgeClient).send(
    new PutEventsCommand({ Entries: [{ EventBusName: 'keywarden-ci', Source: 'keywarden', DetailType: 'keywarden.finding', Detail: JSON.stringify(detail) }] }),
  );
  expect(out.FailedEntryCount).toBe(0);
}

async function queueUrl(name: string): Promise<string> {
  return (await client(SQSClient).send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}

beforeAll(async () => {
  const up = await keywarden('--json', 'local', 'up', '--stage', 'ci', '--retry-after', '1');
  expect(up.code, up.stderr).toBe(0);
  const record = JSON.parse(up.stdout.trim().split('\n').at(-1)!) as { endpoint: string; runner: { pid: number } };
  endpoint = record.endpoint;
  expect(record.runner.pid).toBeGreaterThan(0);
  Object.assign(env, { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'keywarden-local', AWS_SECRET_ACCESS_KEY: 'keywarden-local-secret' });
  slack = await startSlackStandin();
  pagerduty = await startPagerDutyStandin();
  const config = { slack: { webhookUrl: slack.webhookUrl, minIntervalMs: 0 }, pagerduty: { routingKey: pagerduty.routingKey, eventsUrl: pagerduty.eventsUrl } };
  await putChannelConfig(client(SecretsManagerClient), 'keywarden/ci/alert-channels', 'ci', config);
  await client(SecretsManagerClient).send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: JSON.stringify({ partner: 'acme-payments' }),
      Tags: [
        { Key: 'keywarden:strategy', Value: 'api-key' },
        { Key: 'keywarden:stage', Value: 'ci' },
      ],
    }),
  );
}, 240_000);

afterAll(async () => {
  const down = await keywarden('local', 'down');
  expect(down.code).toBe(0);
  await Promise.all([slack?.close(), pagerduty?.close()]);
  rmSync(stateDir, { recursive: true, force: true });
}, 120_000);

describe('keywarden local up runs the stack as AWS would', () => {
  it('attack: nothing of the local AWS listens beyond 127.0.0.1 (moto on loopback, the runner on no port)', async () => {
    expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    const moto = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { pid: number; port: number };
    const motoSockets = listeningSocketsOf(moto.pid);
    // /proc/net/tcp writes 127.0.0.1 as 0100007F, ports in hex.
    expect(motoSockets).toContain(`0100007F:${moto.port.toString(16).toUpperCase().padStart(4, '0')}`);
    expect(motoSockets.every((address) => address.startsWith('0100007F:'))).toBe(true);
    const runner = JSON.parse(readFileSync(join(stateDir, 'runner.json'), 'utf8')) as { pid: number };
    expect(listeningSocketsOf(runner.pid)).toEqual([]);
  });

  it('a finding put on the keywarden bus reaches the Slack and PagerDuty stand-ins with no other command', { timeout: 90_000 }, async () => {
    const title = `runner test finding ${Date.now()}`;
    await putFinding(finding(`audit-runner-${Date.now()}`, title));
    await until('the Slack stand-in', () => slack.messages.some((m) => JSON.stringify(m).includes(title)));
    await until('the PagerDuty stand-in', () => pagerduty.events.some((e) => JSON.stringify(e).includes(title)));
    const logs = await keywarden('local', 'logs', 'alert');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/alert message done/);
  });

  it('a CloudTrail record put on the default bus lands in the audit table and its finding in the stand-ins', { timeout: 90_000 }, async () => {
    const secret = `multitenant-ai-poc/tenant-2/runner-${Date.now()}`;
    const record = cloudTrailRead(secret, 'multitenant-ai-poc-tenant-1-role', new Date(), crypto.randomUUID());
    const eventID = record.eventID as string;
    await putCloudTrail(client(EventBridgeClient), [record]);
    // The audit mapping gathers for up to its 10 s batching window before invoking.
    await until('the audit record', async () => {
      const items = (await client(DynamoDBClient).send(new ScanCommand({ TableName: 'keywarden-ci-audit' }))).Items ?? [];
      return items.some((item) => JSON.stringify(item).includes(eventID)) || undefined;
    });
    await until('the cross-tenant finding at the Slack stand-in', () => slack.messages.some((m) => JSON.stringify(m).includes(secret)));
    await until('the cross-tenant finding at the PagerDuty stand-in', () => pagerduty.events.some((e) => JSON.stringify(e).includes(secret)));
  });

  it('a message that keeps failing ends in the DLQ after the declared 5 receives', { timeout: 120_000 }, async () => {
    const title = `undeliverable ${Date.now()}`;
    const id = `audit-poison-${Date.now()}`;
    slack.faults.set({ failureRate: 1, kinds: ['500'] });
    try {
      await putFinding(finding(id, title));
      const dlq = await queueUrl('keywarden-ci-alerts-dlq');
      const dead = await until('the DLQ', async () => {
        const { Messages } = await client(SQSClient).send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
        return Messages?.find((m) => m.Body?.includes(title));
      }, 90_000);
      const attributes = JSON.stringify(dead.MessageAttributes);
      expect(attributes).toMatch(/undeliverable/);
      expect(attributes).toMatch(/slack did not take the alert/);
      // Received exactly the alert queue's maxReceiveCount times, the last one dead-lettering it.
      const logs = (await keywarden('local', 'logs', 'alert', '-n', '1000')).stdout.split('\n').filter((line) => line.includes(`findingId=${id}`));
      expect(logs.map((line) => /receiveCount=(\d+)/.exec(line)?.[1]).filter(Boolean)).toEqual(['1', '2', '3', '4', '5']);
      expect(logs.at(-1)).toMatch(/receiveCount=5 .*dead-lettered \(undeliverable\)/);
    } finally {
      slack.faults.set({});
    }
  });

  it('attack: a hostile message body is neither executed nor printed raw by `local logs`', { timeout: 90_000 }, async () => {
    const marker = join(stateDir, 'pwned');
    const body = `\u001b]0;owned\u0007\u001b[2J$(touch ${marker}) \`touch ${marker}\` \u202e<script>alert(1)</script>`;
    const alerts = await queueUrl('keywarden-ci-alerts');
    await client(SQSClient).send(new SendMessageCommand({ QueueUrl: alerts, MessageBody: body }));
    const dlq = await queueUrl('keywarden-ci-alerts-dlq');
    const dead = await until('the malformed message in the DLQ', async () => {
      const { Messages } = await client(SQSClient).send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
      return Messages?.find((m) => m.Body === body);
    });
    expect(dead.Body).toBe(body);
    const logs = await keywarden('local', 'logs', '-n', '1000');
    expect(logs.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- the test looks for exactly these characters
    expect(logs.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(existsSync(marker)).toBe(false);
  });

  it('fires the staleness schedule on demand, with the scan as of a given time', { timeout: 60_000 }, async () => {
    const tick = await keywarden('--json', 'local', 'tick', 'staleness', '--time', '2027-06-01T00:00:00Z');
    expect(tick.code, tick.stderr).toBe(0);
    const result = JSON.parse(tick.stdout.trim()) as { functionName: string; result: { asOf: string; secrets: number } };
    expect(result.functionName).toBe('staleness');
    expect(result.result.asOf).toBe('2027-06-01T00:00:00.000Z');
    expect(result.result.secrets).toBeGreaterThanOrEqual(1);
    expect((await keywarden('local', 'tick', 'no-such-schedule')).stderr).toMatch(/no schedule no-such-schedule/);
  });

  it('local status shows the runner, queue depths and the dead-letter queues', async () => {
    const status = await keywarden('--json', 'local', 'status');
    expect(status.code).toBe(0);
    const record = JSON.parse(status.stdout) as { runner: { stage: string }; queues: Array<{ name: string; deadLetterQueue: boolean }> };
    expect(record.runner.stage).toBe('ci');
    expect(record.queues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'keywarden-ci-alerts', deadLetterQueue: false }),
        expect.objectContaining({ name: 'keywarden-ci-alerts-dlq', deadLetterQueue: true }),
        expect.objectContaining({ name: 'keywarden-ci-audit-dlq', deadLetterQueue: true }),
      ]),
    );
  });

  it("every README command exits within 3 s of its last output line", { timeout: 300_000 }, async () => {
    const out = join(stateDir, 'compliance.html');
    const commands = [
      ['local', 'up', '--stage', 'ci', '--retry-after', '1'],
      ['local', 'status'],
      ['local', 'env'],
      ['local', 'logs'],
      ['rotate', '--local', '--every', '30', SECRET],
      ['--json', 'rotate', '--local', SECRET],
      ['audit', 'query', '--local', '--secret', SECRET, '--since', '7d'],
      ['audit', 'query', '--local', '--principal', 'arn:aws:iam::123456789012:role/multitenant-ai-poc-tenant-1-role', '--since', '24h'],
      ['alert', 'send', '--local', 'events/alert/finding-audit.json'],
      // The README replays a Stratus Red Team log from the datasets beside the repository, when they are there.
      ...(existsSync(join(STRATUS_DIR, 'aws.credential-access.secretsmanager-retrieve-secrets.json'))
        ? [['--json', 'audit', 'replay', '--local', join(STRATUS_DIR, 'aws.credential-access.secretsmanager-retrieve-secrets.json')]]
        : []),
      ['stale', '--local'],
      ['stale', '--local', '--as-of', '2027-01-31'],
      ['report', '--local', '--format', 'html', '--out', out],
      ['emergency', '--local', '--tenant', 'tenant-1', '--reason', 'tenant-1 CI runner compromised', '--dry-run'],
      ['emergency', '--local', '--secret', SECRET, '--reason', 'key pasted in a public issue'],
      ['doctor', '--local'],
      ['bind', '--local', '--list'],
    ];
    for (const args of commands) {
      const run = await keywarden(...args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBeLessThan(2);
    }
    const slow = lingering.filter((run) => run.lingerMs > ALLOWED_LINGER_MS);
    expect(slow).toEqual([]);
  });
});

/** The TCP ports `pid` listens on (from /proc), as `address:port`. */
function listeningSocketsOf(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match) inodes.add(match[1]!);
    } catch {
      // The descriptor closed meanwhile.
    }
  }
  const listening: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // State 0A is LISTEN; field 9 is the socket's inode.
      if (fields[3] === '0A' && inodes.has(fields[9]!)) listening.push(fields[1]!);
    }
  }
  return listening;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
