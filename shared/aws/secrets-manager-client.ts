import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { baseConfig, cached, type Factory } from './client-cache';

/** The Secrets Manager client. Import it from `./clients` (the rotate handler imports this file directly). */
export const secretsManager: Factory<SecretsManagerClient> = /* @__PURE__ */ cached('secretsManager', () => new SecretsManagerClient(baseConfig()));
