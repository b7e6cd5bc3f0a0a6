import type { BindingStore } from './binding';
import { resolveBoundStrategy } from './bound-strategy';
import type { PendingRecord } from './ledger';
import type { StrategyRegistry } from './resolve-strategy';
import type { RotationContext } from './strategy';

/**
 * Secrets Manager's test of a rotation configuration. RotateSecret with RotateImmediately=false
 * does not rotate: "Secrets Manager tests the rotation configuration by running the testSecret
 * step of the Lambda rotation function. The test creates an AWSPENDING version of the secret and
 * then removes it." The version it creates holds a copy of AWSCURRENT (moto does the same), and
 * no createSecret ran for it, so keywarden's ledger has no record of it: the pending guard would
 * refuse it as a value keywarden did not create, and every RotateImmediately=false would fail.
 *
 * testSecret recognises exactly that case: no ledger record for the version, and a value
 * byte-identical to AWSCURRENT (on another version). It then tests the *current* credential,
 * read-only: a login with it (databases, Redis, IAM, custom rotators), or, for generated values,
 * a createSecret run that stores nothing. The ledger is not written, so the version never becomes
 * one setSecret or finishSecret accepts; anyone who plants a copy of the current value gains a
 * test of a credential they already hold, and nothing changes.
 */

/** True when this testSecret is the service's configuration test (see above); reads only on the no-record path. */
export async function isConfigurationTest(ctx: RotationContext, record: PendingRecord | undefined): Promise<boolean> {
  if (record !== undefined) return false;
  // A version without a value is not the service's test (it copies AWSCURRENT); the normal path
  // then reports what is wrong with it.
  const pending = await ctx.pending().catch(() => undefined);
  if (pending === undefined) return false;
  const current = await ctx.currentVersion();
  return current.versionId !== ctx.token && current.value === pending;
}

/**
 * Tests the current credential without changing anything, with the strategy (and binding) the
 * secret rotates with; returns the strategy's name. Throws what the strategy's test throws.
 */
export async function testConfiguration(ctx: RotationContext, deps: { strategies: StrategyRegistry; bindings: BindingStore }): Promise<string> {
  // The pending value is the current one; the strategy sees the current read, so the binding's
  // checks and the login are on the credential in use.
  const onCurrent: RotationContext = { ...ctx, pending: () => ctx.current() };
  const { ctx: bound, strategy } = await resolveBoundStrategy(onCurrent, deps, 'current');
  const run = strategy!.testCurrent ?? strategy!.test;
  await run.call(strategy, bound);
  return strategy!.name;
}
