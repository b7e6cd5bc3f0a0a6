import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EmergencyReport } from '../../shared/emergency/report';
import { invokeEmergency } from '../emergency-invoker';
import { credentialLogsIn, readVersion } from './db/login';

/** What the demo's emergency rotation did, and what the database said afterwards. */
export interface DemoEmergency {
  secretId: string;
  report: EmergencyReport;
  /** Database credentials only: the server refuses the leaked one now. */
  leakedRefused?: boolean;
  /** Database credentials only: the server accepts the new one. */
  freshAccepted?: boolean;
}

/**
 * An emergency rotation through the emergency function, as on-call would run it after a leak.
 * For a database credential the demo then asks the database itself: the leaked credential must
 * be refused at once and the new one accepted.
 */
export async function runDemoEmergency(client: SecretsManagerClient, stage: string, secretId: string, isDatabase: boolean): Promise<DemoEmergency> {
  const leaked = isDatabase ? await readVersion(client, secretId) : undefined;
  const request = { secretId, reason: 'demo: credential pasted in a public issue', requestedBy: 'keywarden-demo', requestId: `demo-${Date.now()}` };
  const report = await invokeEmergency(request, { kind: 'local', stage });
  if (!leaked) return { secretId, report };
  const fresh = await readVersion(client, secretId);
  return {
    secretId,
    report,
    leakedRefused: !(await credentialLogsIn(leaked)),
    freshAccepted: fresh ? await credentialLogsIn(fresh) : false,
  };
}
