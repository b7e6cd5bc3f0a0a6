import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { CliExit, ExitCode } from '../exit-codes';
import { ensureLocalStack, exportLines, localEnv, localStackStatus, stopLocalStack } from '../local';
import { serverStatus } from '../local/server';
import { outputFor } from '../output';
import { runDemo } from '../demo/run';
import { removeDemoDatabases } from '../demo/db';
import { localPostgresStatus } from '../local/postgres';
import { functionLogFile } from '../local/function-log';
import { queueDepths } from '../local/queue-depths';
import { ensureRunner, runnerStatus, stopRunner } from '../local/runner-process';
import { parseRetryAfter, registerLocalRunnerCommands } from './local-runner';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

/**
 * `keywarden local up|down|status|env`: the local AWS (moto) that the CLI and the tests share,
 * holding the resources of the packaged serverless template.
 */
export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('run a local AWS (moto) with the resources serverless.yml declares')
    .addHelpText('after', '\nExit codes: 0 ok (status: running), 1 failure, 2 bad usage, 3 not running.');

  local
    .command('up')
    .description('start the local AWS if needed, package the template if stale, create its resources, run its event source mappings and schedules in the background')
    .option('--stage <stage>', `serverless stage to package and create: ${STAGE_OPTION_HELP}`)
    .option('--retry-after <seconds>', "seconds before a failed message comes back (default: the queue's visibility timeout, as in AWS)", parseRetryAfter)
    .action(async (options: { stage?: string; retryAfter?: number }, command: Command) => {
      const out = outputFor(command);
      const stage = resolveStage(options.stage, { kind: 'local' });
      const stack = await ensureLocalStack({
        stage,
        onProgress: (message) => out.progress(message),
        onSkip: (skipped) => out.debug(`skipped ${skipped.logicalId} (${skipped.type}): ${skipped.reason}`),
      });
      out.progress('starting the runner (event source mappings and schedules)');
      const runner = await ensureRunner(stage, options.retryAfter);
      const { created, skipped } = stack.resources;
      const skippedTypes = [...new Set(skipped.map((s) => s.type.split('::')[1]))].sort();
      out.result(
        [
          `local AWS ${stack.started ? 'started' : 'already running'} at ${stack.endpoint} (pid ${stack.state.pid})`,
          `${created.length} resource(s) of ${stage} created or already there:`,
          ...created.map((r) => `  ${r.type.padEnd(28)} ${r.name}  (${r.logicalId})`),
          ...(skipped.length ? [`skipped ${skipped.length} with no local counterpart (${skippedTypes.join(', ')}); --verbose lists them`] : []),
          `runner ${runner.started ? 'started' : 'already running'} (pid ${runner.state.pid}): the queues feed their functions and the schedules fire; \`keywarden local logs -f\` follows them`,
          'point AWS tools at it with:',
          ...exportLines(stack.env),
        ],
        {
          event: 'up',
          endpoint: stack.endpoint,
          pid: stack.state.pid,
          port: stack.state.port,
          stage,
          started: stack.started,
          packaged: stack.packaged,
          created,
          skipped,
          runner: runner.state,
          env: stack.env,
        },
      );
    });

  local
    .command('down')
    .description('stop the local AWS and the demo\'s PostgreSQL cluster, remove the demo users from MariaDB, Redis and RabbitMQ')
    .action(async (_options: unknown, command: Command) => {
      const out = outputFor(command);
      const runner = await stopRunner();
      const { stopped, state } = await stopLocalStack();
      // Its lines are about resources that are gone now.
      rmSync(functionLogFile(), { force: true });
      const databases = await removeDemoDatabases();
      const lines = [stopped && state ? `stopped the local AWS (pid ${state.pid}, ${state.endpoint})` : 'the local AWS was not running', ...databases];
      if (runner) lines.unshift(`stopped the runner (pid ${runner.pid})`);
      out.result(lines, {
        event: 'down',
        stopped,
        pid: state?.pid,
        endpoint: state?.endpoint,
        databases,
        runnerPid: runner?.pid,
      });
    });

  local
    .command('status')
    .description('is the local AWS running? (exit 0 running, 3 not running)')
    .action(async (_options: unknown, command: Command) => {
      const out = outputFor(command);
      const { running, state, counts } = await localStackStatus();
      const postgres = localPostgresStatus();
      if (!running || !state) {
        out.result(state ? `not running (state file names pid ${state.pid}, which is gone or not answering)` : 'not running', { running: false });
        process.exitCode = ExitCode.NotFound;
        return;
      }
      const runner = runnerStatus();
      const queues = await queueDepths();
      out.result(
        [
          `running at ${state.endpoint} (pid ${state.pid}, stage ${state.stage ?? 'none yet'}, since ${state.startedAt})`,
          runner.running && runner.state
            ? `runner: pid ${runner.state.pid}, stage ${runner.state.stage}, since ${runner.state.startedAt}${runner.state.retryAfterSeconds !== undefined ? `, failed messages back after ${runner.state.retryAfterSeconds} s` : ''}`
            : 'runner: not running (the queues are not consumed; `keywarden local up` starts it)',
          'queues (waiting / in flight):',
          ...queues.map((q) => `  ${q.name.padEnd(36)} ${String(q.visible).padStart(5)} / ${String(q.inFlight).padEnd(5)}${q.deadLetterQueue ? ' dead-letter queue' : ''}`),
          `resources: ${Object.entries(counts ?? {})
            .map(([kind, n]) => `${n} ${kind}`)
            .join(', ')}`,
          `log: ${state.logFile}`,
          postgres.running ? `the demo's PostgreSQL cluster: running on 127.0.0.1:${postgres.port}` : "the demo's PostgreSQL cluster: not running",
        ],
        {
          running: true,
          endpoint: state.endpoint,
          pid: state.pid,
          port: state.port,
          stage: state.stage,
          startedAt: state.startedAt,
          counts,
          logFile: state.logFile,
          postgres,
          runner: runner.running ? runner.state : undefined,
          queues,
        },
      );
    });

  local
    .command('demo')
    .description('keywarden end to end on this machine: local AWS, a PostgreSQL cluster, demo tenants\' secrets and rotations, audit, an emergency rotation, alerts, the staleness scan')
    .option('--stage <stage>', `serverless stage to package and create: ${STAGE_OPTION_HELP}`)
    .action(async (options: { stage?: string }, command: Command) => {
      await runDemo(outputFor(command), { stage: resolveStage(options.stage, { kind: 'local' }) });
    });

  registerLocalRunnerCommands(local);

  local
    .command('env')
    .description('print `export` lines that point AWS tools at the local AWS (eval "$(keywarden local env)")')
    .action(async (_options: unknown, command: Command) => {
      const out = outputFor(command);
      const { running, state } = await serverStatus();
      if (!running || !state) throw new CliExit(ExitCode.NotFound, 'the local AWS is not running: start it with `keywarden local up`');
      const env = localEnv(state.endpoint);
      out.result(exportLines(env), env);
    });
}

