import type { CustomRotatorInvoker } from '../rotation/custom-rotator';
import { databaseStrategies, generatedStrategies } from '../rotation/strategies';
import { lazyStrategy } from '../rotation/strategies/lazy';
import type { RotationStrategy } from '../rotation/strategy';

/**
 * Every strategy the rotate function can choose, wired to AWS: the generated and database
 * strategies as they are, and the two that call AWS themselves (IAM access keys over IAM and STS,
 * custom rotators over Lambda) behind `lazyStrategy`, so their code and the SDK clients they use
 * load the first time one of their steps runs and stay out of the rotate function's cold start.
 * The wiring lives here, not in shared/rotation, because rotation never imports the adapters.
 */

const iamAccessKeyStrategy = lazyStrategy('iam-access-key', async () => {
  const [{ createIamAccessKeyStrategy }, { iamKeyServices }] = await Promise.all([import('../rotation/strategies/iam-access-key'), import('./iam-access-keys')]);
  return createIamAccessKeyStrategy(async () => iamKeyServices);
});

const lambdaInvoker = lazyLambdaInvoker();
const customStrategy = lazyStrategy('custom', async () => (await import('../rotation/strategies/custom')).customRotatorStrategy(lambdaInvoker));

/** Strategies by tag name, or by the `engine` field of a database secret. */
export const rotationStrategies: Readonly<Record<string, RotationStrategy>> = {
  ...generatedStrategies,
  ...databaseStrategies,
  [iamAccessKeyStrategy.name]: iamAccessKeyStrategy,
  [customStrategy.name]: customStrategy,
};

/** The strategy registered as `name`; own keys only, so `constructor` or `__proto__` find nothing. */
export function strategyByName(name: string): RotationStrategy | undefined {
  return Object.hasOwn(rotationStrategies, name) ? rotationStrategies[name] : undefined;
}

/** The Lambda invoker of custom rotators; its client loads when a custom secret first rotates. */
function lazyLambdaInvoker(): CustomRotatorInvoker {
  let loaded: Promise<CustomRotatorInvoker> | undefined;
  return {
    async invoke(...args) {
      loaded ??= import('./lambda-custom-rotator').then((module) => module.lambdaCustomRotatorInvoker());
      loaded.catch(() => {
        loaded = undefined;
      });
      return (await loaded).invoke(...args);
    },
  };
}
