import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../../shared/aws/clients';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { repairStuckRotation } from '../../shared/emergency/repair';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { playRotation, type RotationEvent, type RotationReport } from '../../shared/rotation/driver';
import { invokeBundle } from '../bundles';
import { ensureLocalStack } from '../local';
import { ensureRunner, stopRunner } from '../local/runner-process';
import type { Output } from '../output';
import { prepareDemoDatabases, type DemoDatabases } from './db';
import { credentialLogsIn, readVersion } from './db/login';
import { POSTGRES_SECRETS } from './db/postgres';
import { runDemoEmergency } from './emergency';
import { applyFunctionEnvironments } from './function-env';
import { runPipeline } from './pipeline';
import { DEMO_SECRETS } from './secrets';
import { createDemoSecret, describeSecret } from './seed';
import { printDemoSummary, type DemoSummary, type DemoRotation } from './summary';

/** Days between scheduled rotations of the demo secrets. */
const DEMO_ROTATION_DAYS = 30;

/** The credential the demo pretends has leaked: a database user, so revocation can be seen. */
export const DEMO_LEAKED_SECRET = POSTGRES_SECRETS.alternating;

/**
 * keywarden end to end on one machine: the local AWS with serverless.yml's resources, a
 * PostgreSQL cluster (and the machine's MariaDB and Redis where they answer), the demo tenants'
 * secrets, each rotated through the built rotate bundle, then the watching half (see
 * runPipeline). Safe to run again: secrets that still work are kept and rotated once more.
 */
export async function runDemo(out: Output, options: { stage: string }): Promise<DemoSummary> {
  const stack = await ensureLocalStack({ stage: options.stage, onProgress: (m) => out.progress(m) });
  // The demo drains the queues itself, step by step, so it can tell what each step did; the
  // runner of an earlier `local up` would take messages from under it. It runs again afterwards.
  if (await stopRunner()) out.progress('paused the runner of `local up` while the demo runs');
  const client = secretsManager();
  const created = await seedGeneratedSecrets(client, options.stage, out);
  const databases = await prepareDemoDatabases(client, options.stage, (m) => out.progress(m));
  // The rotate bundle runs in this process: it finds the stage's bindings table and bus by it.
  process.env.KEYWARDEN_STAGE = options.stage;
  try {
    // The rotate bundle finds its rotation ledger table from these, as in Lambda.
    applyFunctionEnvironments(options.stage, stack.resources.values, ['rotate']);
    const rotations = await rotateAll(client, out, DEMO_SECRETS.map((s) => s.name), databases);
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    applyFunctionEnvironments(options.stage, stack.resources.values, ['audit', 'alert', 'staleness', 'refresh']);
    const names = [...DEMO_SECRETS.map((s) => s.name), ...databases.databases.flatMap((d) => d.secretNames)];
    const leak = { secretId: DEMO_LEAKED_SECRET, rotate: () => runDemoEmergency(client, options.stage, DEMO_LEAKED_SECRET) };
    const pipeline = await runPipeline(out, options.stage, stack.resources.values, names, leak);
    const summary: DemoSummary = { endpoint: stack.endpoint, created: [...created, ...databases.seeded], rotations, databases, pipeline };
    out.progress('starting the runner: from now on the queues feed their functions and the staleness scan runs hourly, as in AWS');
    await ensureRunner(options.stage);
    printDemoSummary(out, summary, stack.env);
    return summary;
  } finally {
    await databases.close();
  }
}

async function seedGeneratedSecrets(client: SecretsManagerClient, stage: string, out: Output): Promise<string[]> {
  const created: string[] = [];
  for (const secret of DEMO_SECRETS) {
    if (await describeSecret(client, secret.name)) continue;
    await createDemoSecret(client, secret, stage);
    created.push(secret.name);
    out.progress(`created ${secret.name}`);
  }
  return created;
}

async function rotateAll(client: SecretsManagerClient, out: Output, generated: readonly string[], databases: DemoDatabases): Promise<DemoRotation[]> {
  const rotations: DemoRotation[] = [];
  for (const name of generated) {
    out.progress(`rotating ${name}`);
    rotations.push({ report: await rotateThroughBundle(client, name, out) });
  }
  for (const database of databases.databases) {
    for (const name of database.rotated) {
      out.progress(`rotating ${name} (${database.label})`);
      const report = await rotateThroughBundle(client, name, out);
      rotations.push({ report, database: database.label, newCredentialLogsIn: report.ok ? await currentLogsIn(client, name) : undefined });
    }
  }
  return rotations;
}

/** Asks the database whether the rotated (now current) credential logs in. */
async function currentLogsIn(client: SecretsManagerClient, name: string): Promise<boolean> {
  const version = await readVersion(client, name);
  return version ? credentialLogsIn(version) : false;
}

/** One rotation, as Secrets Manager runs it; a rotation an earlier run left stuck is repaired first. */
async function rotateThroughBundle(client: SecretsManagerClient, name: string, out: Output): Promise<RotationReport> {
  const invoke = async (event: RotationEvent) => {
    await invokeBundle('rotate', event);
  };
  const store = new SecretsManagerStore(client);
  const repaired = await repairStuckRotation(store, await store.describe(name), invoke);
  if (repaired) out.progress(`  ${name}: ${repaired.detail}`);
  return playRotation(name, { start: rotateSecretStarter(client, DEMO_ROTATION_DAYS), invoke });
}
