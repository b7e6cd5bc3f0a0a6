import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerLocalCommand } from './commands/local';
import { registerRotateCommand } from './commands/rotate';
import { registerBindCommand } from './commands/bind';
import { registerEmergencyCommand } from './commands/emergency';
import { registerDoctorCommand } from './commands/doctor';
import { registerStaleCommand } from './commands/stale';
import { registerReportCommand } from './commands/report';
import { registerAlertCommand } from './commands/alert';
import { registerAuditCommand } from './commands/audit';
import { registerConsumersCommand } from './commands/consumers';
import { terminalSafe } from '../shared/display-text';
import { redact } from '../shared/redact';
import { ExitCode, exitCodeFor } from './exit-codes';
import { createOutput } from './output';

/**
 * The `keywarden` command. Each command group lives in `cli/commands/<name>.ts` and exports a
 * `register<Name>Command(program)`; adding one is one line in {@link buildProgram}.
 */
export function buildProgram(): Command {
  const program = new Command('keywarden')
    .description('Keeps the secrets in AWS Secrets Manager fresh and watched: a local AWS, rotation, audit, staleness.')
    .option('--json', 'print JSON lines instead of text')
    .option('-v, --verbose', 'print debug notes too')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  registerLocalCommand(program);
  registerRotateCommand(program);
  registerBindCommand(program);
  registerEmergencyCommand(program);
  registerDoctorCommand(program);
  registerStaleCommand(program);
  registerReportCommand(program);
  registerAlertCommand(program);
  registerAuditCommand(program);
  registerConsumersCommand(program);

  return program;
}

/** Runs the command line and returns the exit code (see cli/exit-codes.ts). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    createOutput({ json: argv.includes('--json'), verbose: argv.includes('--verbose') }).error(error);
    if (argv.includes('--verbose') && error instanceof Error && error.stack) process.stderr.write(`${terminalSafe(redact(error.stack))}\n`);
    return exitCodeFor(error);
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// `node --import tsx cli/main.ts ...` (npm run local) runs it directly; bin/keywarden.mjs calls main().
if (isEntryPoint()) process.exitCode = await main();
