import type { RotationContext, RotationStrategy } from '../strategy';
import { asTestFailure } from '../values/json-secret';

/**
 * `testCurrent` of a strategy whose value keywarden generates (password, API key, JWT keyset,
 * encryption keyring): there is no server to log in to, so the configuration test runs
 * createSecret on the current value and throws the new value away. It proves what a rotation
 * needs (the current value is a document the strategy can rotate, its tags are well-formed)
 * without storing anything; a malformed value fails as a test does (SecretTestFailedError).
 */
export async function createDryRun(strategy: Pick<RotationStrategy, 'create'>, ctx: RotationContext): Promise<void> {
  await asTestFailure(() => strategy.create(ctx));
}
