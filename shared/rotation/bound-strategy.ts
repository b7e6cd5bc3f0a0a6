import { bindingViolation, boundEngineOf, unboundRefusal, type BindingStore, type BoundEngine, type SecretBinding } from './binding';
import { resolveStrategy, STRATEGY_TAG, type StrategyRegistry } from './resolve-strategy';
import type { RotationContext, RotationStrategy } from './strategy';

/** The strategy a step runs and the context it runs in (with the binding, when there is one). */
export interface BoundStrategy {
  ctx: RotationContext;
  /** Absent only when `optional` was asked for and nothing names a strategy without a read. */
  strategy?: RotationStrategy;
}

/**
 * Picks the strategy of a step, the binding first. A bound secret rotates with the strategy of
 * its bound engine, whatever the value or a tag say (a `keywarden:strategy` tag naming another
 * strategy is refused: tags can be written with TagResource, which is not an administrator's
 * decision), and its steps see the binding on the context. A secret with no binding rotates by
 * its tag or `engine` field as before, unless that names a database or Redis strategy: those
 * touch a server with master rights, so they are refused until an administrator binds the secret.
 *
 * `optional`: finishSecret of an unbound secret needs no strategy when nothing names one for free
 * (see the contract); then none is resolved and no value is read.
 */
export async function resolveBoundStrategy(
  ctx: RotationContext,
  deps: { strategies: StrategyRegistry; bindings: BindingStore },
  valueToRead: 'current' | 'pending',
  optional = false,
): Promise<BoundStrategy> {
  const binding = await deps.bindings.get(ctx.arn);
  if (binding) return { ctx: { ...ctx, binding }, strategy: boundStrategy(ctx, binding, deps.strategies) };
  if (optional) return { ctx };
  const strategy = await resolveStrategy(ctx, deps.strategies, valueToRead);
  if (isDatabaseStrategy(strategy, deps.strategies)) throw unboundRefusal(ctx.name);
  return { ctx, strategy };
}

function boundStrategy(ctx: RotationContext, binding: SecretBinding, registry: StrategyRegistry): RotationStrategy {
  const tagged = ctx.tags[STRATEGY_TAG];
  if (tagged !== undefined && (boundEngineOf(tagged) ?? tagged) !== binding.engine) {
    throw bindingViolation(ctx.name, `tag ${STRATEGY_TAG}`, `its tag ${STRATEGY_TAG} names another strategy than the bound engine ${binding.engine}`);
  }
  const strategy = Object.hasOwn(registry, binding.engine) ? registry[binding.engine] : undefined;
  if (!strategy) throw bindingViolation(ctx.name, 'engine', `its binding names engine ${binding.engine}, which this rotate function cannot rotate`);
  return strategy;
}

const DATABASE_ENGINES: readonly string[] = ['postgres', 'mysql', 'mariadb', 'redis'] satisfies ReadonlyArray<BoundEngine | 'mariadb'>;

/** True for a strategy registered under a database or Redis engine name. */
function isDatabaseStrategy(strategy: RotationStrategy, registry: StrategyRegistry): boolean {
  return DATABASE_ENGINES.some((engine) => Object.hasOwn(registry, engine) && registry[engine] === strategy);
}
