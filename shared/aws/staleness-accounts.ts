import { accountScopesFromEnv, homeRegionSetting, type AccountScope } from '../accounts';
import { parameterScopeFromEnv } from '../ssm/scope';
import { combinedInventory } from '../staleness/inventory';
import type { AccountsInventory } from '../staleness/scan';
import { AccountClients, sessionName, STALENESS_READ_ACTIONS, stsClient } from './account-clients';
import { SecretsManagerInventory, SecretsManagerVersionCounter } from './secrets-manager-inventory';
import { ssm } from './ssm-client';
import { anyText, setting } from '../settings/fields';
import { readSettings } from '../settings/read';
import { SsmParameterInventory } from './ssm-parameter-inventory';

/**
 * The staleness inventory across the configured accounts and regions (KEYWARDEN_ACCOUNTS): the
 * home scope lists secrets and the SecureString parameters in scope with the function's own
 * credentials; every other scope lists secrets through a read-only session of its role.
 * Shared by the staleness function and the CLI (stale, report, doctor).
 */
export function stalenessAccounts(
  options: { env?: NodeJS.ProcessEnv; homeAccountId?: string; concurrency?: number; parameters?: boolean } = {},
): AccountsInventory & { clients: AccountClients } {
  const env = options.env ?? process.env;
  const scopes = accountScopesFromEnv(env, options.homeAccountId);
  const { stage, region: homeRegion } = readSettings(stalenessSessionSchema, env);
  const clients = new AccountClients(stsClient(), { sessionName: sessionName(stage, 'staleness'), actions: STALENESS_READ_ACTIONS }, homeRegion);
  const isHome = (scope: AccountScope) => !scope.roleArn && scope.region === homeRegion;
  return {
    scopes,
    concurrency: options.concurrency ?? 4,
    clients,
    sourceFor: (scope) => {
      const client = clients.secretsManager(scope);
      const secrets = new SecretsManagerInventory(client);
      const withParameters = isHome(scope) && options.parameters !== false;
      return {
        inventory: withParameters ? combinedInventory(secrets, new SsmParameterInventory(ssm(), parameterScopeFromEnv())) : secrets,
        versions: new SecretsManagerVersionCounter(client),
      };
    },
  };
}

/** The session's name and the home region (shared/settings). */
const stalenessSessionSchema = {
  stage: setting('KEYWARDEN_STAGE', anyText, 'local'),
  region: homeRegionSetting,
};
