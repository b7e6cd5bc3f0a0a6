import { randomUUID } from 'node:crypto';
import { ROTATION_STEPS, type RotationStep } from './request';

/** The event Secrets Manager sends the rotation function. */
export interface RotationEvent {
  Step: RotationStep;
  SecretId: string;
  ClientRequestToken: string;
  /** Sent by the service with every rotation; needed for a secret in another account (cross-account.ts). */
  RotationToken?: string;
}

/**
 * Starts a rotation as RotateSecret does: stages `token` as an empty AWSPENDING version. A starter
 * that plays the service for a secret in another account also returns the RotationToken it gave
 * the rotation, which every step's event then carries.
 */
export type RotationStarter = (secretId: string, token: string) => Promise<void | { rotationToken: string }>;

/** Runs one step of the rotation function (the built bundle, locally). */
export type StepInvoker = (event: RotationEvent) => Promise<void>;

/** One step's outcome; `error` is the function's redacted message. */
export interface StepReport {
  step: RotationStep;
  ok: boolean;
  durationMs: number;
  error?: string;
}

/** A whole rotation as the service would record it. */
export interface RotationReport {
  secretId: string;
  token: string;
  ok: boolean;
  failedStep?: RotationStep;
  steps: StepReport[];
}

/**
 * Plays Secrets Manager's part in a rotation where no service is there to play it (the local
 * AWS): stage a new AWSPENDING version, then invoke the four steps in order, stopping at the
 * first that fails, as the service does. The failed rotation is left as the service would leave
 * it, so a retry with the same token resumes it.
 */
export async function playRotation(
  secretId: string,
  deps: { start: RotationStarter; invoke: StepInvoker; token?: string; now?: () => number },
): Promise<RotationReport> {
  const token = deps.token ?? randomUUID();
  const now = deps.now ?? (() => performance.now());
  const started = await deps.start(secretId, token);
  const rotationToken = started ? { RotationToken: started.rotationToken } : {};
  const steps: StepReport[] = [];
  for (const step of ROTATION_STEPS) {
    const began = now();
    try {
      await deps.invoke({ Step: step, SecretId: secretId, ClientRequestToken: token, ...rotationToken });
      steps.push({ step, ok: true, durationMs: Math.round(now() - began) });
    } catch (error) {
      steps.push({ step, ok: false, durationMs: Math.round(now() - began), error: errorMessageOf(error) });
      return { secretId, token, ok: false, failedStep: step, steps };
    }
  }
  return { secretId, token, ok: true, steps };
}

/** A step's error as the report shows it: its class and (already redacted) message. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Takes the test version's AWSPENDING label off, as the service does after the test. */
export type TestVersionRemover = (secretId: string, token: string) => Promise<void>;

/**
 * Plays Secrets Manager's part in RotateSecret with RotateImmediately=false, which sets the
 * rotation rules and, instead of rotating, "tests the rotation configuration by running the
 * testSecret step of the Lambda rotation function. The test creates an AWSPENDING version of the
 * secret and then removes it." `start` is that RotateSecret (the local AWS stages `token` as an
 * AWSPENDING copy of AWSCURRENT, as moto does); then testSecret alone; then the label comes off,
 * whether the test passed or not, so no rotation is left looking unfinished.
 */
export async function playConfigurationTest(
  secretId: string,
  deps: { start: RotationStarter; invoke: StepInvoker; remove: TestVersionRemover; token?: string; now?: () => number },
): Promise<RotationReport> {
  const token = deps.token ?? randomUUID();
  const now = deps.now ?? (() => performance.now());
  await deps.start(secretId, token);
  const began = now();
  let step: StepReport;
  try {
    await deps.invoke({ Step: 'testSecret', SecretId: secretId, ClientRequestToken: token });
    step = { step: 'testSecret', ok: true, durationMs: Math.round(now() - began) };
  } catch (error) {
    step = { step: 'testSecret', ok: false, durationMs: Math.round(now() - began), error: errorMessageOf(error) };
  } finally {
    await deps.remove(secretId, token);
  }
  return step.ok ? { secretId, token, ok: true, steps: [step] } : { secretId, token, ok: false, failedStep: 'testSecret', steps: [step] };
}
