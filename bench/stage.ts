import { localEnv } from '../cli/local/env';
import { createResources } from '../cli/local/resources';
import { packageTemplate } from '../cli/local/template';
import { resetClients } from '../shared/aws/clients';

/** The stage the benches create in their own local AWS. */
const STAGE = 'ci';

/**
 * Creates the packaged template's resources (packaging it when stale) in the bench's own local
 * AWS, so the rotate bundle finds what a deployed stage has: its bindings table (every rotation
 * reads it) and the findings bus. The bundle finds them by KEYWARDEN_STAGE, set here.
 */
export async function createStageResources(endpoint: string): Promise<void> {
  const env = localEnv(endpoint);
  const pkg = await packageTemplate(STAGE, { env, onProgress: (m) => console.error(m) });
  const saved = { ...process.env };
  Object.assign(process.env, env);
  resetClients();
  try {
    await createResources(pkg.template, { stackName: pkg.stackName });
  } finally {
    process.env = saved;
    resetClients();
  }
  process.env.KEYWARDEN_STAGE = STAGE;
}

/** Calls counted at the proxy, split by service: `secretsmanager.X` and DynamoDB's `DynamoDB_20120810.X`. */
export function callsByService(counts: Map<string, number>, rotations: number): { secretsManager: Array<[string, number]>; dynamoDb: Array<[string, number]> } {
  const of = (prefix: string) =>
    [...counts].filter(([op]) => op.startsWith(prefix)).map(([op, n]) => [op.slice(prefix.length), n / rotations] as [string, number]);
  return { secretsManager: of('secretsmanager.'), dynamoDb: of('DynamoDB_20120810.') };
}
