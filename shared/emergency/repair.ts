import { errorMessageOf, type StepInvoker } from '../rotation/driver';
import { UNTRUSTED_PENDING_RULE } from '../rotation/pending-guard';
import type { RotationStep } from '../rotation/request';
import { AWSCURRENT, AWSPENDING, type SecretMetadata, type SecretsStore } from '../secrets-store';

/**
 * A rotation is stuck when AWSPENDING sits on a version that is not AWSCURRENT: the service
 * refuses to start another until it is gone.
 */
export function stuckPendingVersion(metadata: SecretMetadata): string | undefined {
  const entry = Object.entries(metadata.versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));
  return entry?.[0];
}

/**
 * What a repair did to a stuck rotation: finished it (`resumed`), discarded it (`discarded`), or
 * neither, when finishing failed in a way that does not say whether the pending value is in use.
 */
export interface RepairOutcome {
  versionId: string;
  resumed: boolean;
  discarded: boolean;
  detail: string;
  /**
   * Set when the rotate function refused the version as one keywarden did not create (a value
   * planted as AWSPENDING): it was discarded without being executed, and is a finding
   * (`rotation.untrusted-pending`) of its own.
   */
  untrusted?: true;
}

/**
 * The steps that finish a stuck rotation. createSecret is not among them: creating a value now
 * would be a new rotation rather than a repair. A version without a value fails testSecret
 * (every strategy's test reads the pending value), so it is discarded, never made AWSCURRENT.
 */
const RESUME_STEPS: readonly RotationStep[] = ['setSecret', 'testSecret', 'finishSecret'];

/**
 * Repairs a stuck rotation. With `invoke` (the rotate function) it first finishes the rotation:
 * a single-user database rotation stuck after setSecret already runs on the pending password, so
 * that version is the only one that logs in, and discarding it would lock every client out.
 * Only when the rotation cannot be finished (or without `invoke`) is its AWSPENDING label
 * removed: the abandoned version keeps its value but no label, so nothing reads it and a new
 * rotation can start. AWSCURRENT moves only through a finished rotation.
 */
export async function repairStuckRotation(store: SecretsStore, metadata: SecretMetadata, invoke?: StepInvoker): Promise<RepairOutcome | undefined> {
  const versionId = stuckPendingVersion(metadata);
  if (!versionId) return undefined;
  if (!invoke) return discard(store, metadata.arn, versionId, 'no rotate function to finish it');
  const failure = await resume(metadata.arn, versionId, invoke);
  if (!failure) return { versionId, resumed: true, discarded: false, detail: `finished the stuck rotation: version ${versionId} is AWSCURRENT` };
  return afterFailedResume(store, metadata.arn, versionId, failure);
}

async function resume(secretId: string, versionId: string, invoke: StepInvoker): Promise<{ step: RotationStep; error: string } | undefined> {
  for (const step of RESUME_STEPS) {
    try {
      await invoke({ Step: step, SecretId: secretId, ClientRequestToken: versionId });
    } catch (error) {
      return { step, error: errorMessageOf(error) };
    }
  }
  return undefined;
}

/**
 * Failures after which removing the label cannot lock anyone out: the pending value demonstrably
 * does not log in (testSecret), the database refused every login or the right to change it
 * (so it still runs on what it ran on), or the secret or its configuration is unusable. Matched
 * on the formatted error, because through Lambda only the error's type and message come back.
 * Anything else (unreachable database, TLS, timeouts, a rotate function that could not be
 * invoked) says nothing about whether the database already holds the pending password.
 */
const CONCLUSIVE_FAILURE =
  /\b(SecretTestFailedError|RotationContractError|SecretFormatError|ConfigError|UnknownStrategyError)\b|\bfailed \((authentication|permission)[,)]/;

/** Whether the stuck version may be discarded after finishing it failed with `error`. */
export function safeToDiscardAfter(error: string): boolean {
  return CONCLUSIVE_FAILURE.test(error) || refusedAsUntrusted(error);
}

/** The refusal's name, and its rule at the very end, after any name or version id it quotes. */
const UNTRUSTED_REFUSAL = new RegExp(`\\bRotationRefusedError: .*\\(${UNTRUSTED_PENDING_RULE.replace('.', '\\.')}\\)$`, 's');

/**
 * Whether the rotate function refused the version because keywarden did not create its value
 * (shared/rotation/pending-guard.ts). Conclusive: the value was never executed, so removing its
 * label cannot lock out anyone keywarden let in, and it must never become AWSCURRENT. Through
 * Lambda only the error's type and message come back; the message carries the rule id.
 */
export function refusedAsUntrusted(error: string): boolean {
  return UNTRUSTED_REFUSAL.test(error);
}

/**
 * A step failed, but the rotation may have moved on meanwhile (a finishSecret that timed out
 * after it moved AWSCURRENT, or a newer rotation): only a version that is still stuck, after a
 * failure that proves discarding it is safe, is discarded.
 */
async function afterFailedResume(store: SecretsStore, secretId: string, versionId: string, failure: { step: RotationStep; error: string }): Promise<RepairOutcome> {
  const why = `${failure.step} failed: ${failure.error}`;
  const fresh = await store.describe(secretId);
  const stages = fresh.versions[versionId] ?? [];
  if (stages.includes(AWSCURRENT)) {
    return { versionId, resumed: true, discarded: false, detail: `finished the stuck rotation: version ${versionId} is AWSCURRENT (${why}, after it had finished)` };
  }
  if (stuckPendingVersion(fresh) !== versionId) {
    return { versionId, resumed: false, discarded: false, detail: `version ${versionId} is no longer AWSPENDING (${why}); nothing was removed` };
  }
  if (refusedAsUntrusted(failure.error)) {
    const untrusted = await discard(store, secretId, versionId, `keywarden did not create its value, so it was never executed: ${why}`);
    return { ...untrusted, detail: `${untrusted.detail} [${UNTRUSTED_PENDING_RULE}]`, untrusted: true };
  }
  if (safeToDiscardAfter(failure.error)) return discard(store, secretId, versionId, `it could not be finished: ${why}`);
  return {
    versionId,
    resumed: false,
    discarded: false,
    detail:
      `left AWSPENDING on version ${versionId}: finishing it failed (${why}), which does not tell whether the database already ` +
      'runs on the pending value; removing the label could lock its clients out. Fix the cause and repair again',
  };
}

async function discard(store: SecretsStore, secretId: string, versionId: string, why: string): Promise<RepairOutcome> {
  await store.moveStage(secretId, AWSPENDING, { fromVersionId: versionId });
  return { versionId, resumed: false, discarded: true, detail: `removed AWSPENDING from abandoned version ${versionId} (${why}); AWSCURRENT is unchanged` };
}
