import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqs } from '../../shared/aws/clients';
import { KeywardenError } from '../../shared/errors';
import { invokeBundle } from '../bundles';
import { applyFunctionEnvironments } from '../demo/function-env';
import { allowStandinEgress } from '../standins';
import { applyEnv } from './index';
import { localEnv } from './env';
import { eventSourcesOf, type EventSources, type Schedule } from './event-sources';
import { appendLine, asFunction, functionLogFile } from './function-log';
import { localDir } from './paths';
import { LOCAL_ACCOUNT_ID } from './resolve';
import { createResources } from './resources';
import { serverStatus } from './server';
import { startQueuePoller, type QueuePoller } from './sqs-event-source';
import { loadPackagedTemplate } from './template';

/**
 * The runner: what AWS does between the calls a person makes, played against the local AWS while
 * `keywarden local up` is up. Each SQS event source mapping of the packaged template gets a
 * poller (batch size, batching window, partial batch failures as declared; the queue's own
 * visibility timeout and redrive policy, which moto applies, decide when a failed message comes
 * back and when it goes to its DLQ); each `rate(...)` schedule fires its function on time. The
 * functions are the built bundles, run in this process as one warm Lambda container each.
 */

/** Options for {@link startRunner}. */
export interface RunnerOptions {
  stage: string;
  /**
   * Seconds before a failed message can be received again. Undefined (the default) keeps it
   * invisible for the queue's declared visibility timeout, as Lambda does (6 and 12 minutes
   * here); the tests pass 1 so a poisoned message reaches its DLQ in seconds.
   */
  retryAfterSeconds?: number;
  /** Long-poll wait of each receive; default 2 s (also how long stopping can take). */
  waitSeconds?: number;
}

/** A running runner. */
export interface Runner {
  sources: EventSources;
  /** Runs a schedule's function now (`keywarden local tick`), with the event's `time` as given. */
  fire(schedule: Schedule, time?: Date): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts the pollers and schedules. The local AWS must be up (`keywarden local up` starts it first). */
export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const { running, state } = await serverStatus();
  if (!running || !state) throw new KeywardenError('the local AWS is not running: start it with `keywarden local up`');
  applyEnv(localEnv(state.endpoint));
  const pkg = loadPackagedTemplate();
  const { values } = await createResources(pkg.template, { stackName: pkg.stackName });
  const sources = eventSourcesOf(pkg.template, options.stage);
  const note = (line: string) => appendLine(functionLogFile(), 'runner', line);
  applyFunctionEnvironments(options.stage, values, [...new Set([...sources.mappings, ...sources.schedules].map((s) => s.functionName))]);
  // After the functions' own variables (which allow no extra host): the alert function may also
  // reach the Slack and PagerDuty stand-ins on loopback.
  allowStandinEgress();
  for (const reason of sources.unsupported) note(`not played locally: ${reason}`);

  const pollers: QueuePoller[] = sources.mappings.map((mapping) => {
    const queue = values[mapping.queueLogicalId];
    if (!queue) throw new KeywardenError(`the template has no ${mapping.queueLogicalId}`);
    note(
      `${mapping.queueLogicalId} → ${mapping.functionName}: batch ${mapping.batchSize}, window ${mapping.batchingWindowSeconds} s, ` +
        `${mapping.reportBatchItemFailures ? 'partial batch failures' : 'whole-batch retries'}, visibility ${options.retryAfterSeconds ?? mapping.visibilityTimeoutSeconds} s` +
        `${mapping.maxReceiveCount ? `, DLQ ${mapping.deadLetterQueueLogicalId} after ${mapping.maxReceiveCount} receives` : ''}`,
    );
    return startQueuePoller({
      client: sqs(),
      queueUrl: queue.ref,
      queueArn: queue.attributes.Arn,
      batchSize: mapping.batchSize,
      batchingWindowSeconds: mapping.batchingWindowSeconds,
      reportBatchItemFailures: mapping.reportBatchItemFailures,
      visibilityTimeoutSeconds: 'queue',
      retryDelaySeconds: options.retryAfterSeconds ?? 'queue',
      waitSeconds: options.waitSeconds ?? 2,
      invoke: (event) => asFunction(mapping.functionName, () => invokeBundle(mapping.functionName, event, { timeoutMs: mapping.timeoutSeconds * 1000 })),
      onBatch: (messages) => note(`${mapping.queueLogicalId}: ${messages.length} message(s) to ${mapping.functionName}`),
      onError: (error) => note(`${mapping.queueLogicalId}: ${error instanceof Error ? error.message : String(error)}`),
    });
  });

  const fire = (schedule: Schedule, time = new Date()) =>
    asFunction(schedule.functionName, async () => {
      note(`${schedule.logicalId} (${schedule.expression}) → ${schedule.functionName}`);
      try {
        return await invokeBundle(schedule.functionName, schedule.input ?? scheduledEvent(schedule, time), { timeoutMs: schedule.timeoutSeconds * 1000 });
      } catch (error) {
        note(`${schedule.functionName} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    });
  const timers = sources.schedules
    .filter((schedule) => schedule.everyMs !== undefined)
    .map((schedule) => {
      note(`${schedule.logicalId}: ${schedule.functionName} ${schedule.expression}, next at ${new Date(Date.now() + schedule.everyMs!).toISOString()}`);
      return setInterval(() => void fire(schedule).catch(() => undefined), schedule.everyMs!);
    });

  return {
    sources,
    fire,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}

/** The event EventBridge gives a schedule's target. */
export function scheduledEvent(schedule: Schedule, time: Date): Record<string, unknown> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${schedule.logicalId}`],
    detail: {},
  };
}

// `keywarden local tick`: a request file in ticks/, then SIGUSR2 to the runner, which answers
// with a result file beside it. No port: nothing but this machine's files reaches the runner.

/** A tick request, as `keywarden local tick` writes it. */
export interface TickRequest {
  /** A schedule's logical id or its function's name. */
  target: string;
  /** The scheduled event's `time` (the staleness scan's as-of), ISO; now when absent. */
  time?: string;
}

/** What the runner answers. */
export type TickResult = { ok: true; schedule: string; functionName: string; result: unknown } | { ok: false; error: string };

/** The folder of tick requests and results. */
export function ticksDir(): string {
  return join(localDir(), 'ticks');
}

/** Answers every pending tick request, one after another. */
export async function answerTicks(runner: Runner): Promise<void> {
  const dir = ticksDir();
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.request.json'))) {
    const path = join(dir, file);
    const resultPath = path.replace(/\.request\.json$/, '.result.json');
    let result: TickResult;
    try {
      const request = JSON.parse(readFileSync(path, 'utf8')) as TickRequest;
      rmSync(path, { force: true });
      const schedule = runner.sources.schedules.find((s) => s.logicalId === request.target || s.functionName === request.target);
      if (!schedule) throw new KeywardenError(`no schedule ${request.target}; the template has ${runner.sources.schedules.map((s) => `${s.functionName} (${s.logicalId})`).join(', ') || 'none'}`);
      const time = request.time ? new Date(request.time) : undefined;
      if (time && Number.isNaN(time.getTime())) throw new KeywardenError(`not a date: ${request.time}`);
      result = { ok: true, schedule: schedule.logicalId, functionName: schedule.functionName, result: await runner.fire(schedule, time) };
    } catch (error) {
      rmSync(path, { force: true });
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(resultPath, JSON.stringify(result));
  }
}
