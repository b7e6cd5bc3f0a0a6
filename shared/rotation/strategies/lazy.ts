import type { RotationStrategy } from '../strategy';

/**
 * A strategy as the registry holds it when its code (and the SDK clients it uses) should stay out
 * of the rotate function's cold start: a name and four steps that load the real ones through
 * `load` (an `await import()`) the first time a step runs. No finish hook, like the strategies it
 * wraps, so finishSecret reads no value for them.
 */
export function lazyStrategy(name: string, load: () => Promise<RotationStrategy>): RotationStrategy {
  return {
    name,
    create: async (ctx) => (await load()).create(ctx),
    set: async (ctx) => (await load()).set(ctx),
    test: async (ctx) => (await load()).test(ctx),
    revoke: async (ctx) => (await load()).revoke(ctx),
  };
}
