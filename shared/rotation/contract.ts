import type { Clock } from '../clock';
import { processLog, type LogSink } from '../log';
import { RotationContractError } from '../errors';
import { rememberSecret } from '../redact';
import { AWSCURRENT, AWSPENDING, versionWithStage, type SecretMetadata, type SecretsStore } from '../secrets-store';
import type { BindingStore } from './binding';
import { resolveBoundStrategy } from './bound-strategy';
import { isConfigurationTest, testConfiguration } from './configuration-test';
import { createRotationContext } from './context';
import type { RotationLedger } from './ledger';
import { guardPending, recordPendingValue, requireTested, type PendingGuard } from './pending-guard';
import type { RotationRequest, RotationStep } from './request';
import { STRATEGY_TAG, type StrategyRegistry } from './resolve-strategy';
import type { RotationContext, RotationStrategy } from './strategy';

/** What the rotation contract needs from the outside world. */
export interface RotationDeps {
  store: SecretsStore;
  clock: Clock;
  /** Where strategies' warnings go; the process's logger when absent. */
  log?: LogSink;
  strategies: StrategyRegistry;
  /** The administrators' bindings of database and Redis secrets; read, never written. */
  bindings: BindingStore;
  /** What keywarden created and what the emergency function asked for (shared/rotation/ledger.ts). */
  ledger: RotationLedger;
  /**
   * Asked in createSecret, before anything is written, when the strategy's rotation makes the
   * previous credential invalid (shared/consumers/gate.ts); throws to hold the rotation.
   */
  consumers?: (metadata: SecretMetadata, token: string) => Promise<unknown>;
}

/** What one step did; safe to log (names and ids only). */
export interface StepOutcome {
  step: RotationStep;
  secret: string;
  token: string;
  /**
   * `skipped` when the token is already AWSCURRENT: the rotation had finished before.
   * `configuration-tested`: RotateImmediately=false's test of the current credential (configuration-test.ts).
   */
  result: 'done' | 'skipped' | 'already-created' | 'configuration-tested';
  /** Absent when the step did not need to know it (see needsStrategyToFinish). */
  strategy?: string;
}

/**
 * Runs one step of Secrets Manager's rotation contract. Every step re-reads the secret's
 * metadata and checks that rotation is enabled and that the token is this secret's AWSPENDING
 * version; a token that is already AWSCURRENT means the work is done, so the step returns at
 * once. Each step is safe to run again after a failure or a retry.
 */
export async function runRotationStep(request: RotationRequest, deps: RotationDeps): Promise<StepOutcome> {
  const metadata = await deps.store.describe(request.secretId);
  const base = { step: request.step, secret: metadata.name, token: request.token };
  if (isAlreadyCurrent(metadata, request.token)) return { ...base, result: 'skipped' };

  // Everything below sees the pending value only through the guard, which proves it is one
  // keywarden created for this version before handing it out (pending-guard.ts); the binding's
  // checks then run on what the guard hands out.
  const context = createRotationContext(request.secretId, request.token, metadata, deps.store, deps.clock, deps.log ?? processLog);
  const guard = guardPending(context, deps.ledger, request.step);
  if (request.step === 'testSecret' && (await isConfigurationTest(context, await guard.record()))) {
    return { ...base, result: 'configuration-tested', strategy: await testConfiguration(context, deps) };
  }
  const optional = request.step === 'finishSecret' && !needsStrategyToFinish(guard.ctx, deps.strategies);
  const { ctx, strategy } = await resolveBoundStrategy(guard.ctx, deps, request.step === 'createSecret' ? 'current' : 'pending', optional);
  const bound = { ...guard, ctx };
  if (!strategy) return { ...base, result: await finish(bound, undefined, metadata, deps) };
  const result = await STEPS[request.step](bound, strategy, metadata, deps);
  return { ...base, result, strategy: strategy.name };
}

/**
 * finishSecret needs the strategy only for its finish hook. When no strategy has one, an untagged
 * secret's finishSecret would read the pending value only to find its `engine`, a value that
 * setSecret and testSecret already resolved, so it moves the label without reading it. A tag
 * names the strategy without a call, so a tagged secret still reports it; so does a binding.
 */
function needsStrategyToFinish(ctx: RotationContext, strategies: StrategyRegistry): boolean {
  return ctx.tags[STRATEGY_TAG] !== undefined || Object.values(strategies).some((strategy) => strategy.finish !== undefined);
}

/**
 * The checks every step makes before touching anything. Throws when the step must not run;
 * returns true when the token already is AWSCURRENT.
 */
export function isAlreadyCurrent(metadata: SecretMetadata, token: string): boolean {
  if (!metadata.rotationEnabled) {
    throw new RotationContractError(`rotation is not enabled for secret ${metadata.name}`);
  }
  const stages = metadata.versions[token];
  if (!stages) {
    throw new RotationContractError(`token ${token} is not a version of secret ${metadata.name}, or has no staging label left`);
  }
  if (stages.includes(AWSCURRENT)) return true;
  if (!stages.includes(AWSPENDING)) {
    throw new RotationContractError(
      `version ${token} of secret ${metadata.name} is not AWSPENDING (its labels: ${stages.join(', ') || 'none'}); a newer rotation has replaced it`,
    );
  }
  return false;
}

type StepRunner = (
  guard: PendingGuard,
  strategy: RotationStrategy,
  metadata: SecretMetadata,
  deps: RotationDeps,
) => Promise<StepOutcome['result']>;

/**
 * Every step after createSecret first proves that the pending value is one keywarden created for
 * this version, before the strategy touches a server or a label moves.
 */
const STEPS: Record<RotationStep, StepRunner> = {
  createSecret: async ({ ctx }, strategy, metadata, { store, ledger, consumers }) => {
    if (consumers && strategy.invalidatesPrevious?.(ctx)) await consumers(metadata, ctx.token);
    const value = await strategy.create(ctx);
    rememberSecret(value);
    await recordPendingValue(ctx, ledger, value);
    const stored = await store.putPendingValue(ctx.arn, ctx.token, value);
    if (stored === 'created') return 'done';
    // The version already holds a value: an earlier attempt's, or one planted with this token.
    await ctx.pending();
    return 'already-created';
  },
  setSecret: async (guard, strategy) => {
    // A generated secret's set touches nothing and reads no value; a database's reads the pending
    // value first, through the guard, so it is proven before any connection opens.
    await guard.requireRecord();
    await strategy.set(guard.ctx);
    return 'done';
  },
  testSecret: async ({ ctx }, strategy, _metadata, { ledger, clock }) => {
    // Every strategy's test reads the pending value; proving it first costs no extra read.
    await ctx.pending();
    await strategy.test(ctx);
    await ledger.markPending(ctx.arn, ctx.token, 'testedAt', epochSeconds(clock));
    return 'done';
  },
  finishSecret: (guard, strategy, metadata, deps) => finish(guard, strategy, metadata, deps),
};

async function finish(
  guard: PendingGuard,
  strategy: RotationStrategy | undefined,
  metadata: SecretMetadata,
  { store, ledger, clock }: RotationDeps,
): Promise<StepOutcome['result']> {
  const { ctx } = guard;
  await requireTested(guard);
  await strategy?.finish?.(ctx);
  // AWSPENDING stays on the token: a label on the AWSCURRENT version is a finished rotation,
  // and a label is on one version at most, so no other version can still hold it.
  await store.moveStage(ctx.arn, AWSCURRENT, { toVersionId: ctx.token, fromVersionId: versionWithStage(metadata, AWSCURRENT) });
  // After the move: a retry of a step that failed before it must still find the version unfinished.
  await ledger.markPending(ctx.arn, ctx.token, 'finishedAt', epochSeconds(clock));
  return 'done';
}

function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now().getTime() / 1000);
}
