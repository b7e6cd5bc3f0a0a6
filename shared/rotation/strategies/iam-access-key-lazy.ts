import { lazyStrategy } from './lazy';

/**
 * The `iam-access-key` strategy as the registry holds it: its steps (iam-access-key.ts, with the
 * IAM and STS clients) load the first time a step runs, so its code and the SDK's query protocol
 * stay out of the rotate function's cold start.
 */
export const iamAccessKeyStrategy = lazyStrategy('iam-access-key', () => import('./iam-access-key').then((module) => module.iamAccessKeySteps));
