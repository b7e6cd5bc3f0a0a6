import type { RotationStrategy } from '../strategy';

/**
 * The `iam-access-key` strategy as the registry holds it: a name and four steps that load the
 * real ones (iam-access-key.ts, with the IAM and STS clients) through `await import()` the first
 * time a step runs. Its code and the SDK's query protocol stay out of the rotate function's cold
 * start. No finish hook, like the real steps, so finishSecret of other secrets reads no value.
 */
const load = () => import('./iam-access-key').then((module) => module.iamAccessKeySteps);

export const iamAccessKeyStrategy: RotationStrategy = {
  name: 'iam-access-key',
  create: async (ctx) => (await load()).create(ctx),
  set: async (ctx) => (await load()).set(ctx),
  test: async (ctx) => (await load()).test(ctx),
  revoke: async (ctx) => (await load()).revoke(ctx),
};
