import { RotationRefusedError } from '../errors';
import { PENDING_RECORD_TTL_SECONDS, pendingValueHash, type PendingRecord, type RotationLedger } from './ledger';
import type { RotationStep } from './request';
import type { RotationContext } from './strategy';

/** The finding rule of a pending value keywarden did not create. */
export const UNTRUSTED_PENDING_RULE = 'rotation.untrusted-pending';

/**
 * createSecret, before it stores `value`: records the value's SHA-256 for this version, so later
 * steps (and a repair weeks later) can tell keywarden's value from one planted with
 * `PutSecretValue --version-stages AWSPENDING`.
 */
export async function recordPendingValue(ctx: RotationContext, ledger: RotationLedger, value: string): Promise<void> {
  await ledger.addPendingHash(ctx.arn, ctx.token, pendingValueHash(value), PENDING_RECORD_TTL_SECONDS);
}

/** A step's view of the pending version, checked against the ledger. */
export interface PendingGuard {
  /**
   * The step's context, whose `pending()` returns the value only after proving its SHA-256 is one
   * createSecret recorded for this version. Strategies read the pending value before they open
   * any connection, so the proof comes before a server is touched, and costs no second read.
   */
  ctx: RotationContext;
  /** Refuses unless the ledger holds a live record of this version that was never finished. */
  requireRecord(): Promise<PendingRecord>;
  /** The ledger's record of this version, or undefined; the same single read requireRecord makes. */
  record(): Promise<PendingRecord | undefined>;
}

/**
 * Guards one step of one version against a pending value keywarden did not create: no record, a
 * value whose hash is not recorded, or a version finished before (its AWSPENDING label moved back
 * onto an old value to replay it). Each refusal is a RotationRefusedError with rule
 * `rotation.untrusted-pending`; a version without a value still fails with the context's
 * RotationContractError. The record is read once per step.
 */
export function guardPending(ctx: RotationContext, ledger: RotationLedger, step: RotationStep): PendingGuard {
  let raw: Promise<PendingRecord | undefined> | undefined;
  const record = () => (raw ??= ledger.pendingRecord(ctx.arn, ctx.token).catch((error: unknown) => ((raw = undefined), Promise.reject(error))));
  let trusted: Promise<PendingRecord> | undefined;
  const requireRecord = () => (trusted ??= trustedRecord(ctx, record, step));
  let verified: Promise<string> | undefined;
  const verify = async () => {
    const value = await ctx.pending();
    const { hashes } = await requireRecord();
    if (!hashes.includes(pendingValueHash(value))) throw untrusted(ctx, step, 'its value is not the one keywarden created for this version');
    return value;
  };
  // A failure is not kept (as the context's own cache does): a value another attempt stores
  // meanwhile is read afresh.
  const pending = () => (verified ??= verify().catch((error: unknown) => ((verified = undefined), Promise.reject(error))));
  const guarded: RotationContext = { ...ctx, pending };
  return { ctx: guarded, requireRecord, record };
}

/**
 * finishSecret promotes only a value that testSecret verified and tested (a version's value never
 * changes once stored, so that proof still holds), which spares it reading the value again.
 */
export async function requireTested(guard: PendingGuard): Promise<void> {
  const record = await guard.requireRecord();
  if (record.testedAt === undefined) throw untrusted(guard.ctx, 'finishSecret', 'testSecret has not verified and tested its value');
}

async function trustedRecord(ctx: RotationContext, read: () => Promise<PendingRecord | undefined>, step: RotationStep): Promise<PendingRecord> {
  const record = await read();
  if (!record) {
    // A version createSecret never reached has no value either; say that (RotationContractError),
    // not that someone planted one. Read only on this path, so it costs the normal steps nothing.
    await ctx.pending();
    throw untrusted(ctx, step, 'keywarden has no record of creating it (never, or more than 90 days ago)');
  }
  if (record.finishedAt !== undefined) {
    throw untrusted(ctx, step, 'keywarden finished this version before: its AWSPENDING label was moved back onto an old value');
  }
  return record;
}

/** Names the secret, version and step, never the value; carries the rule id in the text, which is all Lambda passes on. */
function untrusted(ctx: RotationContext, step: RotationStep, why: string): RotationRefusedError {
  return new RotationRefusedError(
    `refused ${step} of version ${ctx.token} of secret ${ctx.name}: ${why}. A pending value keywarden did not create is never executed or promoted (${UNTRUSTED_PENDING_RULE})`,
    { rule: UNTRUSTED_PENDING_RULE, field: 'AWSPENDING' },
  );
}
