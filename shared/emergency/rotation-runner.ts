import { RotationFailedError } from '../errors';
import { runRotationStep, type RotationDeps } from '../rotation/contract';
import { playRotation, type RotationStarter, type StepInvoker } from '../rotation/driver';
import { parseRotationEvent } from '../rotation/request';
import { revokePrevious } from '../rotation/revoke';

/** Rotates one secret now and waits for the new version to be AWSCURRENT. */
export interface RotationRunner {
  /**
   * `token`, when given, is the new version's id (the emergency grants its revocation, which also
   * tells the rotate function the rotation is an emergency, before the rotation starts).
   *
   * @throws RotationFailedError naming the step (or the wait) that failed.
   */
  rotate(secretArn: string, timeoutMs: number, token?: string): Promise<{ token: string }>;
}

/** Revokes the credential a finished rotation replaced (through the secret's strategy). */
export interface CredentialRevoker {
  revoke(secretArn: string, token: string): Promise<{ revoked: boolean; detail: string }>;
}

/** How the service-driven runner asks for a rotation (aws/rotation-requests.ts). */
export type ServiceRotationRequest = (
  secretArn: string,
  options: { timeoutMs: number; token?: string },
) => Promise<{ token: string; state: 'finished' | 'still-pending' | 'replaced' }>;

/**
 * In AWS: RotateSecret, so the service runs the rotate function (inside its VPC, with its
 * retries and its CloudTrail events), and wait for the outcome.
 */
export function serviceRotationRunner(request: ServiceRotationRequest): RotationRunner {
  return {
    async rotate(secretArn, timeoutMs, token) {
      const outcome = await request(secretArn, { timeoutMs, token });
      if (outcome.state === 'finished') return { token: outcome.token };
      throw new RotationFailedError(
        outcome.state === 'still-pending'
          ? `rotation of ${secretArn} did not finish within ${Math.round(timeoutMs / 1000)} s (version ${outcome.token} is still AWSPENDING)`
          : `rotation of ${secretArn} failed: version ${outcome.token} lost its AWSPENDING label; see the rotate function's logs`,
      );
    },
  };
}

/**
 * Where no service runs rotations (the local AWS): stage the version as RotateSecret does, then
 * invoke the rotate function for each step, as the service would. `invoke` is the rotate
 * function (through Lambda) or, in unit tests, the contract itself.
 */
export function steppedRotationRunner(start: RotationStarter, invoke: StepInvoker): RotationRunner {
  return {
    async rotate(secretArn, _timeoutMs, token) {
      const report = await playRotation(secretArn, { start, invoke, token });
      if (report.ok) return { token: report.token };
      const failed = report.steps.find((step) => !step.ok);
      throw new RotationFailedError(`rotation of ${secretArn} failed at ${report.failedStep}: ${failed?.error ?? 'unknown error'}`);
    },
  };
}

/** The contract run in this process, as a step invoker: for tests and tools without a function. */
export function inProcessSteps(deps: RotationDeps): StepInvoker {
  return async (event) => {
    await runRotationStep(parseRotationEvent(event), deps);
  };
}

/** Revocation run in this process: for tests and tools without a function. */
export function inProcessRevoker(deps: RotationDeps): CredentialRevoker {
  return { revoke: (secretArn, token) => revokePrevious(secretArn, token, deps) };
}
