import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';

/**
 * The `custom` strategy as the registry holds it: its code (strategies/custom.ts, the contract in
 * custom-rotator.ts, the binding checks) loads with `await import()` at the first custom step, so
 * the rotate function's cold start parses none of it, as none of the Lambda client.
 */
const load = (): Promise<RotationStrategy> => import('./custom').then((module) => module.customStrategyOnLambda);

export const customStrategy: RotationStrategy = {
  name: 'custom',
  create: async (ctx: RotationContext): Promise<string> => (await load()).create(ctx),
  set: async (ctx: RotationContext): Promise<void> => (await load()).set(ctx),
  test: async (ctx: RotationContext): Promise<void> => (await load()).test(ctx),
  revoke: async (ctx: RotationContext): Promise<RevokeOutcome> => (await load()).revoke(ctx),
};
