import { SecretFormatError, UnknownStrategyError } from '../errors';
import { readJsonObject } from '../json-object-text';
import type { RotationContext, RotationStrategy } from './strategy';

/** The tag that names a strategy for secrets that are not database credentials. */
export const STRATEGY_TAG = 'keywarden:strategy';

/** Strategies by name; database strategies are registered under their `engine` values too. */
export type StrategyRegistry = Readonly<Record<string, RotationStrategy>>;

/**
 * Picks the strategy for a secret: the `keywarden:strategy` tag when present (it costs no call),
 * otherwise the `engine` field of a value, AWS's convention for database secrets. setSecret and
 * testSecret read it from the pending value, which they load anyway (createSecret copies
 * `engine` into it), so an untagged database rotation pays no extra GetSecretValue for them;
 * finishSecret does not ask when no strategy has a finish hook (see the contract).
 */
export async function resolveStrategy(
  ctx: RotationContext,
  registry: StrategyRegistry,
  valueToRead: 'current' | 'pending' = 'current',
): Promise<RotationStrategy> {
  const tagged = ctx.tags[STRATEGY_TAG];
  if (tagged !== undefined) return lookup(registry, tagged, `tag ${STRATEGY_TAG}`, ctx.name);
  const engine = engineOf(await (valueToRead === 'pending' ? ctx.pending() : ctx.current()), ctx.name);
  if (engine === undefined) {
    throw new UnknownStrategyError(
      `secret ${ctx.name} names no strategy: tag it ${STRATEGY_TAG}=<${known(registry)}> or give its JSON an "engine" field`,
    );
  }
  return lookup(registry, engine, 'field "engine"', ctx.name);
}

function lookup(registry: StrategyRegistry, name: string, source: string, secretName: string): RotationStrategy {
  const strategy = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!strategy) {
    throw new UnknownStrategyError(
      `secret ${secretName} names unknown strategy "${name.slice(0, 40)}" in its ${source}; known: ${known(registry)}`,
    );
  }
  return strategy;
}

/**
 * The `engine` field, read as strictly as the strategies read values: a value with `engine` (or
 * any key) twice is refused here, before one copy could pick the strategy and another the target.
 */
function engineOf(value: string, secretName: string): string | undefined {
  const reading = readJsonObject(value);
  if (!reading.ok) {
    if (reading.kind === 'not-object') return undefined;
    if (reading.kind === 'syntax') throw new SecretFormatError(`secret ${secretName} is not JSON and has no ${STRATEGY_TAG} tag`);
    throw new SecretFormatError(`secret ${secretName}: the value ${reading.problem}`);
  }
  const engine = reading.value.engine;
  return typeof engine === 'string' ? engine : undefined;
}

function known(registry: StrategyRegistry): string {
  return Object.keys(registry).sort().join(', ');
}
