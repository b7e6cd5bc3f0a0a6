import type { AccessReview } from './access-review';

/** The runbook's steps for one secret, in the order they run. */
export const EMERGENCY_STEPS = ['lock', 'repair', 'rotate', 'revoke', 'access-review', 'notify'] as const;
export type EmergencyStep = (typeof EMERGENCY_STEPS)[number];

/** What one step did. `planned` is a dry run's "would do". */
export interface StepRecord {
  step: EmergencyStep;
  outcome: 'done' | 'skipped' | 'failed' | 'planned';
  durationMs: number;
  detail: string;
}

/** Everything the emergency did to one secret. */
export interface SecretReport {
  secret: string;
  arn: string;
  ok: boolean;
  steps: StepRecord[];
  accessReview?: AccessReview;
  /**
   * Who will break: consumers that read the secret in the review window and have not read it
   * since the emergency rotation made its new version current (they hold the revoked credential).
   * At most MAX_NAMED are named; `more` counts the rest.
   */
  willBreak?: { count: number; consumers: Array<Record<string, unknown>>; more: number; since: string };
  /**
   * The stuck version the repair discarded because keywarden did not create its value (finding
   * `rotation.untrusted-pending`): someone wrote a pending value outside keywarden.
   */
  untrustedPending?: { versionId: string; ruleId: string };
}

/** The JSON report of an emergency: every step with its outcome and duration. */
export interface EmergencyReport {
  requestId: string;
  target: string;
  reason: string;
  requestedBy: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** True when this request id had run before and this is its stored report. */
  replayed: boolean;
  secrets: SecretReport[];
}

/** Runs one step, timing it and turning a throw into a `failed` record. */
export async function timedStep(
  step: EmergencyStep,
  run: () => Promise<{ outcome: StepRecord['outcome']; detail: string }>,
): Promise<StepRecord> {
  const began = performance.now();
  try {
    const { outcome, detail } = await run();
    return { step, outcome, detail, durationMs: Math.round(performance.now() - began) };
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { step, outcome: 'failed', detail, durationMs: Math.round(performance.now() - began) };
  }
}
