import { anyText, optionalSetting } from '../settings/fields';
import { readSettings } from '../settings/read';

/**
 * The cache behind every AWS SDK client factory: those in shared/aws/clients.ts and the few kept
 * in a file of their own (shared/aws/secrets-manager-client.ts). One cache, so
 * {@link resetClients} forgets every client.
 */

/**
 * Attempts per call (the first try plus retries, with the SDK's standard backoff). Three keeps a
 * rotation step well inside its Lambda timeout while riding out a throttle or a dropped
 * connection. `AWS_MAX_ATTEMPTS`, when set, wins, as it does for every other AWS tool.
 */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** The SDK's own retry setting, when set: the SDK parses it (shared/settings). */
const sdkSettingsSchema = { sdkMaxAttempts: optionalSetting('AWS_MAX_ATTEMPTS', anyText) };

/** A client factory: builds the client on first call, then returns the same one. */
export type Factory<T> = () => T;
const cache = new Map<string, unknown>();

/** Wraps `create` so the client is built once per process, under `key`. */
export function cached<T>(key: string, create: Factory<T>): Factory<T> {
  return () => {
    let client = cache.get(key) as T | undefined;
    if (client === undefined) {
      client = create();
      cache.set(key, client);
    }
    return client;
  };
}

/** Settings shared by every client; everything else comes from the environment. */
export function baseConfig(): { maxAttempts?: number } {
  // Passing undefined lets the SDK read AWS_MAX_ATTEMPTS (or the profile's max_attempts).
  return readSettings(sdkSettingsSchema).sdkMaxAttempts ? {} : { maxAttempts: DEFAULT_MAX_ATTEMPTS };
}

/**
 * Forgets every cached client (destroying its connections), so the next call builds one from the
 * environment as it is now. For tests and for the CLI after it points the environment at a
 * different endpoint; Lambda code never needs it.
 */
export function resetClients(): void {
  for (const client of cache.values()) {
    (client as { destroy?: () => void }).destroy?.();
  }
  cache.clear();
}
