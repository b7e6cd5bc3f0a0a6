import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { baseConfig, cached, type Factory } from './client-cache';

/**
 * The Secrets Manager client, in a file of its own (re-exported by shared/aws/clients.ts) so the
 * rotate function can build it at init without importing clients.ts, whose DynamoDB client it
 * loads only through `await import()` (its rotation ledger).
 */
export const secretsManager: Factory<SecretsManagerClient> = /* @__PURE__ */ cached('secretsManager', () => new SecretsManagerClient(baseConfig()));
