import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { KeywardenError } from '../../shared/errors';
import { CliExit, ExitCode } from '../exit-codes';
import { captureOutput, formatLine, functionLogFile, readLines, type FunctionLogLine } from '../local/function-log';
import { redact } from '../../shared/redact';
import { answerTicks, startRunner, ticksDir, type TickRequest, type TickResult } from '../local/runner';
import { removeRunnerState, runnerStatus, writeRunnerState } from '../local/runner-process';
import { outputFor } from '../output';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

/**
 * `keywarden local run|logs|tick`: the runner that plays the deployed stack's event source
 * mappings and schedules (`local up` starts it detached), its functions' log lines, and a
 * schedule fired on demand.
 */
export function registerLocalRunnerCommands(local: Command): void {
  local
    .command('run')
    .description('play the event source mappings and schedules in the foreground (what `local up` starts in the background); Ctrl-C stops it')
    .option('--stage <stage>', `serverless stage whose functions to run: ${STAGE_OPTION_HELP}`)
    .option('--retry-after <seconds>', 'seconds before a failed message comes back (default: the queue\'s visibility timeout, as in AWS)', parseRetryAfter)
    .action(async (options: { stage?: string; retryAfter?: number }) => {
      await runInForeground(resolveStage(options.stage, { kind: 'local' }), options.retryAfter);
    });

  local
    .command('logs [function]')
    .description('the functions\' log lines (alert, audit, staleness, or runner for its own notes); -f follows them')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'how many of the last lines to print first', (v) => Number.parseInt(v, 10), 50)
    .action(async (fn: string | undefined, options: { follow?: boolean; lines: number }, command: Command) => {
      const out = outputFor(command);
      const file = functionLogFile();
      const { lines, next } = readLines(file, 0, fn);
      for (const entry of lines.slice(-Math.max(0, options.lines))) out.result(formatLine(entry), jsonLine(entry));
      if (!options.follow) return;
      let offset = next;
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      while (!stop) {
        await sleep(250);
        const more = readLines(file, offset, fn);
        offset = more.next;
        for (const entry of more.lines) out.result(formatLine(entry), jsonLine(entry));
      }
    });

  local
    .command('tick <schedule>')
    .description('fire a schedule now in the running `local up` (its function name, e.g. staleness, or the rule\'s logical id)')
    .option('--time <iso-date>', "the scheduled event's time: the staleness scan's as-of (default now)")
    .action(async (target: string, options: { time?: string }, command: Command) => {
      const out = outputFor(command);
      if (options.time !== undefined && Number.isNaN(new Date(options.time).getTime())) throw new CliExit(ExitCode.Usage, `--time: not a date: ${options.time}`);
      const result = await tick({ target, ...(options.time && { time: new Date(options.time).toISOString() }) });
      if (!result.ok) throw new KeywardenError(`tick ${target}: ${result.error}`);
      out.result(`${result.schedule} → ${result.functionName}: ${JSON.stringify(result.result ?? null)}`, { event: 'tick', ...result });
    });
}

async function runInForeground(stage: string, retryAfterSeconds?: number): Promise<void> {
  captureOutput();
  const runner = await startRunner({ stage, retryAfterSeconds });
  let ticking = Promise.resolve();
  const onTick = () => (ticking = ticking.then(() => answerTicks(runner)));
  process.on('SIGUSR2', onTick);
  writeRunnerState({ pid: process.pid, stage, startedAt: new Date().toISOString(), ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });
  onTick();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  process.off('SIGUSR2', onTick);
  await runner.stop();
  await ticking;
  removeRunnerState(process.pid);
}

/** Asks the running runner to fire a schedule and waits for its answer. */
async function tick(request: TickRequest): Promise<Extract<TickResult, { ok: true }> | { ok: false; error: string }> {
  const { running, state } = runnerStatus();
  if (!running || !state) throw new CliExit(ExitCode.NotFound, 'the local runner is not running: start it with `keywarden local up`');
  const dir = ticksDir();
  mkdirSync(dir, { recursive: true });
  const id = crypto.randomUUID();
  const resultFile = join(dir, `${id}.result.json`);
  writeFileSync(join(dir, `${id}.request.json.tmp`), JSON.stringify(request));
  // Renamed into place whole, so the runner never reads half a request.
  renameSync(join(dir, `${id}.request.json.tmp`), join(dir, `${id}.request.json`));
  process.kill(state.pid, 'SIGUSR2');
  const deadline = Date.now() + 16 * 60_000;
  while (Date.now() < deadline) {
    if (existsSync(resultFile)) {
      const result = JSON.parse(readFileSync(resultFile, 'utf8')) as TickResult;
      rmSync(resultFile, { force: true });
      return result;
    }
    await sleep(100);
  }
  throw new KeywardenError(`the runner (pid ${state.pid}) did not answer the tick; see \`keywarden local logs runner\``);
}

/** `--retry-after`: a whole number of seconds, at most the SQS maximum visibility timeout (12 h). */
export function parseRetryAfter(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 43_200) throw new CliExit(ExitCode.Usage, `--retry-after: a whole number of seconds from 0 to 43200, not ${value}`);
  return n;
}

/** A kept line for `--json`: redacted (the output layer escapes what a terminal would act on). */
function jsonLine(entry: FunctionLogLine): Record<string, unknown> {
  return { at: entry.at, fn: entry.fn, line: redact(entry.line) };
}
