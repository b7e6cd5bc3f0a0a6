import { GetFunctionCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { lambda, secretsManager } from '../../shared/aws/clients';
import { LambdaRotateFunction } from '../../shared/aws/lambda-rotate-function';
import { SecretsManagerInventory } from '../../shared/aws/secrets-manager-inventory';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import { diagnose, fixProblems, type FixedProblem, type FunctionCheck, type InvokerFor, type Problem } from '../../shared/emergency/doctor';
import { invokeBundle, requireBundle } from '../bundles';
import { ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget, type Target } from '../target';

/**
 * `keywarden doctor [--fix]`: finds stuck rotations, rotation turned on without a working
 * function, and rotations that keep failing; `--fix` repairs what is safe to repair (stuck
 * rotations: finished through the rotate function, or discarded when they cannot be finished)
 * and says what needs a person.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('find (and with --fix repair) stuck or failing rotations')
    .option(
      '--fix',
      "repair stuck rotations: finish each through the secret's rotation function (locally the built rotate bundle), or remove its AWSPENDING label if it cannot be finished",
    )
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
      const fixed = await fixProblems(problems, new SecretsManagerStore(secretsManager()), rotateFunctionFor(target));
      out.result(
        fixed.length === 0 ? 'no rotation problems found' : fixed.map((p) => `${p.fixed ? 'fixed ' : 'left  '} ${p.kind.padEnd(25)} ${p.secret}: ${p.result}${untrustedNote(p)}`),
        { problems: fixed },
      );
      if (fixed.some((p) => !p.fixed)) process.exitCode = ExitCode.Failure;
    });
}

/** A pending value keywarden did not create is a security finding, not just a repair. */
function untrustedNote(problem: FixedProblem): string {
  if (!problem.ruleId) return '';
  return `\n${' '.repeat(33)}FINDING ${problem.ruleId}: someone stored this pending value outside keywarden; find who in the audit trail (PutSecretValue, UpdateSecretVersionStage)`;
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

/**
 * What finishes a stuck rotation: locally the built rotate bundle, as `keywarden rotate --local`
 * runs it; in AWS the function the secret names as its rotation function.
 */
function rotateFunctionFor(target: Target): InvokerFor {
  if (target.kind === 'local') {
    return () => {
      // Without the bundle every step would fail, and the repair would discard the very version
      // that may be the only one that logs in: refuse instead.
      requireBundle('rotate');
      return async (event) => {
        await invokeBundle('rotate', event);
      };
    };
  }
  return (metadata) => {
    if (!metadata.rotationLambdaArn) return undefined;
    const rotateFunction = new LambdaRotateFunction(lambda(), metadata.rotationLambdaArn);
    return (event) => rotateFunction.invokeStep(event);
  };
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
