import type { Clock } from '../clock';
import { ConfigError } from '../errors';
import { rememberSecret } from '../redact';
import { AWSCURRENT, type SecretsStore } from '../secrets-store';
import { parseKubernetesConnection, type KubernetesConnection } from './kubernetes-connection';

/**
 * The Kubernetes connection read from its secret, kept for `ttlMs` by a warm instance. The token
 * is remembered for redaction each time it is handed out, since the remembered set is cleared at
 * every invocation. No secret configured: every Kubernetes action fails with a ConfigError,
 * which becomes that action's finding.
 */
export function cachedKubernetesConnection(store: Pick<SecretsStore, 'getValue'>, secretName: string | undefined, ttlMs: number, clock: Clock): () => Promise<KubernetesConnection> {
  let cached: { connection: KubernetesConnection; until: number } | undefined;
  return async () => {
    if (!secretName) throw new ConfigError('no Kubernetes connection configured (KEYWARDEN_REFRESH_K8S_SECRET)');
    const now = clock.now().getTime();
    if (cached && now < cached.until) {
      rememberSecret(cached.connection.token);
      return cached.connection;
    }
    const value = await store.getValue(secretName, { stage: AWSCURRENT });
    if (!value) throw new ConfigError(`the Kubernetes connection secret ${secretName} has no current value`);
    const connection = parseKubernetesConnection(value.value, secretName);
    cached = { connection, until: now + ttlMs };
    return connection;
  };
}
