import { InvalidRequestError } from '../shared/errors';

/**
 * The `keywarden` command's exit codes. Scripts may rely on them; add, never renumber.
 *
 * | code | meaning |
 * | ---- | ------- |
 * | 0    | it worked (for `status`: it is running) |
 * | 1    | it failed: an AWS call, a missing tool, anything unexpected |
 * | 2    | bad usage or an invalid request: nothing was changed |
 * | 3    | not running, or not found (`local status` when the local AWS is down) |
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  NotFound: 3,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A command's decision to end with a given code and message, without a stack trace. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliExit) return error.exitCode;
  if (error instanceof InvalidRequestError) return ExitCode.Usage;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) return ExitCode.Usage;
  return ExitCode.Failure;
}
