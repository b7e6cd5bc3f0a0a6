import { ssm } from '../../shared/aws/ssm-client';
import { SsmParameterStore } from '../../shared/aws/ssm-parameter-store';
import { systemClock } from '../../shared/clock';
import { InvalidRequestError } from '../../shared/errors';
import { ParameterNotFoundError, rotateParameter, type ParameterRotationDeps, type ParameterRotationReport } from '../../shared/ssm/parameter-rotation';
import { parameterScopeFromEnv } from '../../shared/ssm/scope';
import { splitSelector } from '../../shared/audit/ssm-parameters';
import { CliExit, ExitCode } from '../exit-codes';
import type { Output } from '../output';

/**
 * `keywarden rotate /path/name`: a SecureString parameter, rotated in this process with the
 * caller's credentials (Parameter Store has no rotation service to ask), against AWS or the
 * local AWS alike. shared/ssm/parameter-rotation.ts says what it does and refuses.
 */
export async function rotateParameterFromCli(given: string, options: { every?: number }, out: Output): Promise<void> {
  if (options.every !== undefined) throw new InvalidRequestError('--every is for secrets: Parameter Store has no rotation schedule; schedule `keywarden rotate` instead');
  const { name, selector } = splitSelector(given);
  if (selector !== undefined) throw new InvalidRequestError(`name the parameter without a version or label (":${selector.slice(0, 20)}")`);
  const deps = parameterDeps();
  out.progress(`rotating parameter ${name} in this process`);
  const report = await rotateParameter(name, deps).catch((error: unknown) => {
    if (error instanceof ParameterNotFoundError) throw new CliExit(ExitCode.NotFound, error.message);
    throw error;
  });
  printParameterReport(out, report);
  if (!report.ok) process.exitCode = ExitCode.Failure;
}

/** The store, scope and clock a parameter command works with. */
export function parameterDeps(): ParameterRotationDeps {
  return { store: new SsmParameterStore(ssm()), scope: parameterScopeFromEnv(), clock: systemClock };
}

function printParameterReport(out: Output, report: ParameterRotationReport): void {
  const steps = report.steps.map((s) => `${s.step} ${s.ok ? 'ok' : 'FAILED'}`).join(', ');
  if (report.ok) {
    out.result(`rotated parameter ${report.name} (${report.strategy}): version ${report.toVersion} is labelled current, version ${report.fromVersion} previous (${steps})`, { kind: 'parameter', ...report });
    return;
  }
  const restored = report.restoredVersion !== undefined ? `; the old value is the newest version again (${report.restoredVersion})` : '';
  out.result([`rotation of parameter ${report.name} failed: ${report.error}`, `version ${report.fromVersion} keeps the current label${restored} (${steps})`], { kind: 'parameter', ...report });
}
