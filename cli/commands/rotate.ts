import type { Command } from 'commander';
import { refuseReplica } from '../replica-guard';
import { secretsManager } from '../../shared/aws/clients';
import { requestServiceRotation, rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { InvalidRequestError } from '../../shared/errors';
import { AWSCURRENT, AWSPENDING, versionWithStage } from '../../shared/secrets-store';
import { playRotation, type RotationReport } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import { CliExit, ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget } from '../target';
import { looksLikeParameter } from '../../shared/ssm/scope';
import { rotateParameterFromCli } from './rotate-parameter';

interface RotateOptions {
  local?: boolean;
  every?: number;
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
    .option('--timeout <seconds>', 'against AWS: how long to wait for the rotation to finish', parseSeconds, 120)
    .addHelpText('after', '\nExit codes: 0 rotated, 1 rotation failed (AWSCURRENT unchanged), 2 bad request, 3 secret not found.')
    .action(async (secret: string, options: RotateOptions, command: Command) => {
      const out = outputFor(command);
      const target = await resolveTarget(options);
      if (looksLikeParameter(secret)) return rotateParameterFromCli(secret, options, out);
      await refuseReplica(secret);
      if (target.kind === 'aws') return rotateInAws(secret, options, out);
      const unfinished = await unfinishedRotation(secret, options.every);
      out.progress(
        unfinished
          ? `resuming the unfinished rotation of ${secret} (version ${unfinished}), as the service retries it`
          : `rotating ${secret} through the built rotate bundle at ${target.endpoint}`,
      );
      const report = await playRotation(secret, {
        start: unfinished ? async () => undefined : rotateSecretStarter(secretsManager(), options.every),
        token: unfinished,
        invoke: async (event) => {
          await invokeBundle('rotate', event);
        },
      });
      printReport(out, report);
    });
}

/**
 * Refuses a secret whose rotation is off (unless --every turns it on) and returns the token of
 * a rotation that failed midway, which the service would retry rather than start anew.
 */
async function unfinishedRotation(secret: string, every: number | undefined): Promise<string | undefined> {
  const metadata = await new SecretsManagerStore(secretsManager()).describe(secret).catch((error: { code?: string }) => {
    if (error.code === 'ResourceNotFoundException') throw new CliExit(ExitCode.NotFound, `no secret ${secret}`);
    throw error;
  });
  if (!metadata.rotationEnabled && every === undefined) {
    throw new InvalidRequestError(`rotation is not enabled for ${metadata.name}: pass --every <days> to turn it on`);
  }
  const pending = versionWithStage(metadata, AWSPENDING);
  return pending && !metadata.versions[pending]!.includes(AWSCURRENT) ? pending : undefined;
}

async function rotateInAws(secret: string, options: RotateOptions, out: Output): Promise<void> {
  out.progress(`asking Secrets Manager to rotate ${secret}; waiting up to ${options.timeout} s`);
  const outcome = await requestServiceRotation(secretsManager(), secret, { timeoutMs: options.timeout * 1000 });
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
