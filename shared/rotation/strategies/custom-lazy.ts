import { lazyStrategy } from './lazy';

/**
 * The `custom` strategy as the registry holds it: its code (strategies/custom.ts, the contract in
 * custom-rotator.ts, the binding checks) loads at the first custom step, so the rotate function's
 * cold start parses none of it, as none of the Lambda client.
 */
export const customStrategy = lazyStrategy('custom', () => import('./custom').then((module) => module.customStrategyOnLambda));
