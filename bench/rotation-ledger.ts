import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createResources } from '../cli/local/resources';
import type { CfnTemplate } from '../cli/local/template';
import { resetClients } from '../shared/aws/clients';
import { rotationLedgerTableName } from '../shared/rotation/ledger';

/**
 * Creates the rotation ledger table that deploy/rotation-ledger.yml declares, in the local AWS the
 * environment points at, and gives the rotate bundle its name: every rotation step reads or
 * writes it, as in Lambda.
 */
export async function createRotationLedgerTable(stage: string): Promise<void> {
  const text = readFileSync(join(import.meta.dirname, '..', 'deploy', 'rotation-ledger.yml'), 'utf8').replaceAll('${sls:stage}', stage);
  const { resources } = parseYaml(text) as { resources: { Resources: CfnTemplate['Resources'] } };
  resetClients();
  await createResources({ Resources: resources.Resources }, { stackName: `keywarden-${stage}` });
  process.env.KEYWARDEN_ROTATION_LEDGER_TABLE = rotationLedgerTableName(stage);
}

/**
 * The calls one rotation made, per service, from a counting proxy's totals over `rotations`:
 * `Secrets Manager 8 calls (DescribeSecret 4, ...); rotation ledger 7 DynamoDB calls (...)`.
 */
export function callsPerRotation(counts: ReadonlyMap<string, number>, rotations: number): { secretsManager: number; text: string } {
  const of = (prefix: string) => [...counts].filter(([op]) => op.startsWith(prefix)).map(([op, n]) => [op.slice(prefix.length), n / rotations] as const);
  const describe = (calls: ReadonlyArray<readonly [string, number]>) => `${calls.reduce((sum, [, n]) => sum + n, 0)} calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')})`;
  const sm = of('secretsmanager.');
  return { secretsManager: sm.reduce((sum, [, n]) => sum + n, 0), text: `Secrets Manager ${describe(sm)}; rotation ledger (DynamoDB) ${describe(of('DynamoDB_20120810.'))}` };
}
