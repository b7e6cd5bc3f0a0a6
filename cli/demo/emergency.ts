import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EmergencyReport } from '../../shared/emergency/report';
import { invokeEmergency } from '../emergency-invoker';
import { credentialLogsIn, readVersion } from './db/login';

/** What the demo's emergency rotation did, and what the database said afterwards. */
export interface DemoEmergency {
  secretId: string;
  report: EmergencyReport;
  /** The database refuses the leaked credential now. */
  leakedRefused: boolean;
  /** The database accepts the new one. */
  freshAccepted: boolean;
}

/**
 * An emergency rotation of a database credential through the emergency function, as on-call
 * would run it after a leak; then the demo asks the database itself: the leaked credential must be
 * refused at once and the new one accepted.
 */
export async function runDemoEmergency(client: SecretsManagerClient, stage: string, secretId: string): Promise<DemoEmergency> {
  const leaked = await readVersion(client, secretId);
  if (!leaked) throw new Error(`the demo's leaked secret ${secretId} does not exist`);
  const request = { secretId, reason: 'demo: credential pasted in a public issue', requestedBy: 'keywarden-demo', requestId: `demo-${Date.now()}` };
  const report = await invokeEmergency(request, { kind: 'local', stage });
  const fresh = await readVersion(client, secretId);
  return {
    secretId,
    report,
    leakedRefused: !(await credentialLogsIn(leaked)),
    freshAccepted: fresh ? await credentialLogsIn(fresh) : false,
  };
}
