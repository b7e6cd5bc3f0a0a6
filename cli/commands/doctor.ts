import { GetFunctionCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { lambda, secretsManager } from '../../shared/aws/clients';
import { SecretsManagerInventory } from '../../shared/aws/secrets-manager-inventory';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import { diagnose, fixProblems, type FunctionCheck, type Problem } from '../../shared/emergency/doctor';
import { ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget } from '../target';

/**
 * `keywarden doctor [--fix]`: finds stuck rotations, rotation turned on without a working
 * function, and rotations that keep failing; `--fix` repairs what is safe to repair (stuck
 * rotations, without touching AWSCURRENT) and says what needs a person.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('find (and with --fix repair) stuck or failing rotations')
    .option('--fix', 'repair stuck rotations (removes the stray AWSPENDING label; AWSCURRENT is never touched)')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .addHelpText('after', '\nExit codes: 0 healthy (or everything fixed), 1 problems remain, 2 bad usage.')
    .action(async (options: { fix?: boolean; local?: boolean }, command: Command) => {
      const out = outputFor(command);
      const target = await resolveTarget(options);
      out.progress('reading the inventory');
      // Locally the driver plays the service and no rotation function is registered with the secret.
      const check: FunctionCheck = target.kind === 'local' ? async () => undefined : functionExists;
      const problems = await diagnose(new SecretsManagerInventory(secretsManager()), check, systemClock);
      if (!options.fix) return report(out, problems);
      const fixed = await fixProblems(problems, new SecretsManagerStore(secretsManager()));
      out.result(
        fixed.length === 0 ? 'no rotation problems found' : fixed.map((p) => `${p.fixed ? 'fixed ' : 'left  '} ${p.kind.padEnd(25)} ${p.secret}: ${p.result}`),
        { problems: fixed },
      );
      if (fixed.some((p) => !p.fixed)) process.exitCode = ExitCode.Failure;
    });
}

function report(out: Output, problems: Problem[]): void {
  out.result(
    problems.length === 0
      ? 'no rotation problems found'
      : problems.map((p) => `${p.kind.padEnd(25)} ${p.secret}: ${p.detail}\n${' '.repeat(26)}${p.fixable ? '--fix will ' : 'to do: '}${p.remedy}`),
    { problems },
  );
  if (problems.length > 0) process.exitCode = ExitCode.Failure;
}

async function functionExists(functionArn: string | undefined): Promise<boolean> {
  if (!functionArn) return false;
  try {
    await lambda().send(new GetFunctionCommand({ FunctionName: functionArn }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}
