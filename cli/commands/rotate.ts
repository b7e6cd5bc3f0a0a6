import type { Command } from 'commander';
import { refuseReplica } from '../replica-guard';
import { secretsManager } from '../../shared/aws/clients';
import {
  removeTestVersion,
  requestScheduleOnly,
  requestServiceRotation,
  rotateSecretStarter,
  type RotationRulesInput,
} from '../../shared/aws/rotation-requests';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { InvalidRequestError } from '../../shared/errors';
import { AWSCURRENT, AWSPENDING, versionWithStage } from '../../shared/secrets-store';
import { playConfigurationTest, playRotation, type RotationReport } from '../../shared/rotation/driver';
import { parseRotationSchedule } from '../../shared/schedule/rotation-schedule';
import { invokeBundle } from '../bundles';
import { CliExit, ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget } from '../target';
import { looksLikeParameter } from '../../shared/ssm/scope';
import { rotateParameterFromCli } from './rotate-parameter';

interface RotateOptions {
  local?: boolean;
  every?: number;
  schedule?: string;
  window?: string;
  /** False with --no-rotate-immediately. */
  rotateImmediately: boolean;
  timeout: number;
}

/**
 * `keywarden rotate <secret>`: rotate now. Against AWS it calls RotateSecret and waits for the
 * service; against the local AWS it plays the service, invoking the built rotate bundle step by
 * step and stopping at the first step that fails.
 */
export function registerRotateCommand(program: Command): void {
  program
    .command('rotate <secret>')
    .description('rotate a secret now, through the rotate function; or an SSM SecureString parameter (/path/name), in this process')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--every <days>', 'also turn on scheduled rotation every N days (1-1000)', parseDays)
    .option('--schedule <expression>', "also turn on scheduled rotation on a cron() or rate() schedule, in UTC (e.g. 'cron(0 3 ? * SUN *)', 'rate(12 hours)')")
    .option('--window <hours>', 'with --schedule: the rotation window, 1h-24h (default: 1h for a schedule in hours, to the end of the UTC day for one in days)')
    .option('--no-rotate-immediately', "set the schedule without rotating now: Secrets Manager runs the rotate function's testSecret on a test copy of AWSCURRENT, then removes it")
    .option('--timeout <seconds>', 'against AWS: how long to wait for the rotation to finish', parseSeconds, 120)
    .addHelpText('after', '\nExit codes: 0 rotated (or tested, with --no-rotate-immediately), 1 rotation or test failed (AWSCURRENT unchanged), 2 bad request, 3 secret not found.')
    .action(async (secret: string, options: RotateOptions, command: Command) => {
      const out = outputFor(command);
      const rules = rulesOf(options);
      const target = await resolveTarget(options);
      if (looksLikeParameter(secret)) {
        if (rules.schedule !== undefined || !options.rotateImmediately) throw new InvalidRequestError('--schedule, --window and --no-rotate-immediately are for Secrets Manager secrets; a parameter has no rotation rules');
        return rotateParameterFromCli(secret, options, out);
      }
      await refuseReplica(secret);
      if (!options.rotateImmediately) return configureSchedule(secret, rules, target, out);
      if (target.kind === 'aws') return rotateInAws(secret, rules, options, out);
      const unfinished = await unfinishedRotation(secret, rules);
      out.progress(
        unfinished
          ? `resuming the unfinished rotation of ${secret} (version ${unfinished}), as the service retries it`
          : `rotating ${secret} through the built rotate bundle at ${target.endpoint}`,
      );
      const report = await playRotation(secret, {
        start: unfinished ? async () => undefined : rotateSecretStarter(secretsManager(), rules),
        token: unfinished,
        invoke: async (event) => {
          await invokeBundle('rotate', event);
        },
      });
      printReport(out, report);
    });
}

/**
 * The rotation rules the options ask for, validated as Secrets Manager would: --every or
 * --schedule (not both), and --window only with --schedule.
 */
function rulesOf(options: RotateOptions): RotationRulesInput {
  if (options.every !== undefined && options.schedule !== undefined) {
    throw new InvalidRequestError('--every and --schedule both set the rotation schedule: pass one (RotationRules takes AutomaticallyAfterDays or ScheduleExpression, not both)');
  }
  if (options.window !== undefined && options.schedule === undefined) throw new InvalidRequestError('--window needs --schedule: the window opens at the times the schedule gives');
  if (options.schedule === undefined) return options.every === undefined ? {} : { everyDays: options.every };
  const schedule = parseRotationSchedule(options.schedule, options.window);
  return { schedule: schedule.expression, ...(options.window !== undefined ? { window: options.window.trim() } : {}) };
}

const turnsRotationOn = (rules: RotationRulesInput) => rules.everyDays !== undefined || rules.schedule !== undefined;

/**
 * --no-rotate-immediately: sets the rules, and has the rotate function's testSecret run on a test
 * copy of AWSCURRENT, which then goes away; nothing rotates before the next window.
 */
async function configureSchedule(secret: string, rules: RotationRulesInput, target: Awaited<ReturnType<typeof resolveTarget>>, out: Output): Promise<void> {
  const scheduled = rules.schedule ?? (rules.everyDays !== undefined ? `every ${rules.everyDays} days` : 'the rotation rules already set');
  if (target.kind === 'aws') {
    const { versionId } = await requestScheduleOnly(secretsManager(), secret, rules);
    out.result(`set the rotation of ${secret} to ${scheduled}; Secrets Manager tests the rotate function's testSecret on test version ${versionId ?? '(none)'} and removes it; nothing rotated now`, {
      secret,
      ...rules,
      rotateImmediately: false,
      ...(versionId ? { testVersion: versionId } : {}),
    });
    return;
  }
  const pending = await unfinishedRotation(secret, rules);
  if (pending) throw new InvalidRequestError(`a previous rotation of ${secret} isn't complete (version ${pending} is AWSPENDING): finish it with keywarden rotate ${secret} first`);
  out.progress(`setting the rotation of ${secret} to ${scheduled} and testing the built rotate bundle's testSecret on the current value, at ${target.endpoint}`);
  const sm = secretsManager();
  const report = await playConfigurationTest(secret, {
    start: rotateSecretStarter(sm, rules, { rotateImmediately: false }),
    invoke: async (event) => {
      await invokeBundle('rotate', event);
    },
    remove: (id, token) => removeTestVersion(sm, id, token),
  });
  const next = rules.schedule ? parseRotationSchedule(rules.schedule, rules.window).nextWindow(new Date())?.start.toISOString() : undefined;
  const data = { ...report, ...rules, rotateImmediately: false, ...(next ? { nextWindow: next } : {}) };
  if (report.ok) {
    out.result(`set the rotation of ${secret} to ${scheduled}; testSecret passed on the current value (test version ${report.token}, removed); nothing rotated${next ? `; next window opens ${next}` : ''}`, data);
    return;
  }
  out.result(
    [`set the rotation of ${secret} to ${scheduled}, but testSecret failed on the current value: ${report.steps[0]?.error}`, `test version ${report.token} removed; AWSCURRENT unchanged`],
    data,
  );
  process.exitCode = ExitCode.Failure;
}

/**
 * Refuses a secret whose rotation is off (unless --every or --schedule turns it on) and returns
 * the token of a rotation that failed midway, which the service would retry rather than start anew.
 */
async function unfinishedRotation(secret: string, rules: RotationRulesInput): Promise<string | undefined> {
  const metadata = await new SecretsManagerStore(secretsManager()).describe(secret).catch((error: { code?: string }) => {
    if (error.code === 'ResourceNotFoundException') throw new CliExit(ExitCode.NotFound, `no secret ${secret}`);
    throw error;
  });
  if (!metadata.rotationEnabled && !turnsRotationOn(rules)) {
    throw new InvalidRequestError(`rotation is not enabled for ${metadata.name}: pass --every <days> or --schedule <expression> to turn it on`);
  }
  const pending = versionWithStage(metadata, AWSPENDING);
  return pending && !metadata.versions[pending]!.includes(AWSCURRENT) ? pending : undefined;
}

async function rotateInAws(secret: string, rules: RotationRulesInput, options: RotateOptions, out: Output): Promise<void> {
  out.progress(`asking Secrets Manager to rotate ${secret}; waiting up to ${options.timeout} s`);
  const outcome = await requestServiceRotation(secretsManager(), secret, { timeoutMs: options.timeout * 1000, rules });
  const human = {
    finished: `rotated ${secret}: version ${outcome.token} is AWSCURRENT (${(outcome.waitedMs / 1000).toFixed(1)} s)`,
    'still-pending': `rotation of ${secret} has not finished after ${options.timeout} s: version ${outcome.token} is still AWSPENDING; see the rotate function's logs`,
    replaced: `rotation of ${secret} did not finish: version ${outcome.token} lost its AWSPENDING label; see the rotate function's logs`,
  }[outcome.state];
  out.result(human, { secret, ...outcome, ok: outcome.state === 'finished' });
  if (outcome.state !== 'finished') process.exitCode = ExitCode.Failure;
}

function printReport(out: Output, report: RotationReport): void {
  const timings = report.steps.map((s) => `${s.step} ${s.ok ? `${s.durationMs.toFixed(0)} ms` : 'FAILED'}`).join(', ');
  if (report.ok) {
    out.result(`rotated ${report.secretId}: version ${report.token} is AWSCURRENT (${timings})`, { ...report });
    return;
  }
  const failed = report.steps.find((s) => !s.ok)!;
  out.result(
    [
      `rotation of ${report.secretId} failed at ${report.failedStep}: ${failed.error}`,
      `AWSCURRENT is unchanged; version ${report.token} stays AWSPENDING (${timings})`,
    ],
    { ...report },
  );
  process.exitCode = ExitCode.Failure;
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 1000) throw new InvalidRequestError(`--every takes whole days from 1 to 1000, not "${value}"`);
  return days;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidRequestError(`--timeout takes seconds above 0, not "${value}"`);
  return seconds;
}
