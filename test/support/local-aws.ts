import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { resetClients } from '../../shared/aws/clients';
import { localEnv } from '../../cli/local/env';
import { processAlive } from '../../cli/local/lock';
import { createResources, type CreateResourcesResult } from '../../cli/local/resources';
import { resetServer } from '../../cli/local/server';
import { loadPackagedTemplate, type CfnTemplate } from '../../cli/local/template';

/**
 * Helpers for integration tests that talk to the local AWS started by global-setup.ts. The
 * environment already points every SDK client at it (AWS_ENDPOINT_URL and friends), and
 * integration-setup.ts calls {@link resetLocalAws} before each test.
 */

/**
 * `http://127.0.0.1:<port>` of this worker's moto: global-setup.ts starts one per worker, and a
 * test file's process claims one no living process holds (vitest's VITEST_POOL_ID is not unique
 * across concurrent files when the projects run as groups), so a file never shares its moto with
 * a file running at the same time.
 */
export function localAwsEndpoint(): string {
  claimed ??= claimEndpoint(inject('awsEndpoints'), inject('awsClaimDir'));
  return claimed;
}

let claimed: string | undefined;

/** The size of this worker's moto's log: werkzeug writes a line for each request before it answers. */
function motoLogSize(): number {
  const logFile = inject('awsLogFiles')[inject('awsEndpoints').indexOf(localAwsEndpoint())]!;
  return statSync(logFile).size;
}

function claimEndpoint(endpoints: string[], dir: string): string {
  const deadline = Date.now() + 300_000;
  for (;;) {
    for (const [index, endpoint] of endpoints.entries()) {
      if (tryClaim(join(dir, `moto-${index}.claim`))) return endpoint;
    }
    if (Date.now() > deadline) throw new Error(`no free local AWS among ${endpoints.length} after 5 minutes (claims in ${dir})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

/** Takes the claim file for this process, or a dead process's; false while a living one holds it. */
function tryClaim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    process.once('exit', () => rmSync(file, { force: true }));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  if (holder === process.pid) return true;
  if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return false;
  rmSync(file, { force: true });
  return tryClaim(file);
}

/** The variables that point an AWS tool (a child process, say) at this worker's moto. */
export function localAwsEnv(): Record<string, string> {
  return localEnv(localAwsEndpoint());
}

let template: CfnTemplate | undefined;
let created: CreateResourcesResult | undefined;
/** moto's log size when {@link resetLocalAws} last finished in this file. */
let logSizeAfterReset: number | undefined;

/** Empties moto: every resource of every service is gone. */
export async function clearLocalAws(): Promise<void> {
  await resetServer(localAwsEndpoint());
  created = undefined;
}

/**
 * Empties moto and creates the packaged template's resources again, so a test starts from what
 * `serverless deploy` would have made, and nothing any other test left behind.
 */
export async function resetLocalAws(): Promise<CreateResourcesResult> {
  const logSizeBefore = motoLogSize();
  await clearLocalAws();
  template ??= loadPackagedTemplate(inject('awsTemplatePath')).template;
  created = await createResources(template, { stackName: inject('awsStackName') });
  const logSize = motoLogSize();
  // A moto that logs no requests would look untouched for ever: then every test resets.
  logSizeAfterReset = logSize > logSizeBefore ? logSize : undefined;
  return created;
}

/**
 * What {@link resetLocalAws} gives, without its ~40 calls when moto has answered no request since
 * it last ran in this file: its log has not grown, so it holds exactly the template's resources
 * still. A test that never reaches moto (a template check, a usage error, a stand-in) costs the
 * next test nothing. A file's first test always resets: another file may have used this moto.
 */
export async function freshLocalAws(): Promise<CreateResourcesResult> {
  if (created && logSizeAfterReset !== undefined && motoLogSize() === logSizeAfterReset) return created;
  return resetLocalAws();
}

/**
 * What `Ref` gives for one of the template's resources in the local AWS (a queue's URL, a table's
 * name, a topic's ARN), or `Fn::GetAtt` when `attribute` is given.
 */
export function templateResource(logicalId: string, attribute?: string): string {
  const values = created?.values[logicalId];
  if (!values) throw new Error(`${logicalId} was not created: is it in the template, and did resetLocalAws() run?`);
  const value = attribute ? values.attributes[attribute] : values.ref;
  if (value === undefined) throw new Error(`${logicalId} has no attribute ${attribute}`);
  return value;
}

/**
 * Points this worker's environment at this worker's moto and drops cached SDK clients. The stage is
 * the one global-setup.ts packaged (`ci`): bundles invoked in this process derive their table
 * names from it, as they do from the `KEYWARDEN_STAGE` serverless.yml gives every function.
 */
export function pointAtLocalAws(): void {
  Object.assign(process.env, localAwsEnv(), { KEYWARDEN_STAGE: 'ci' });
  resetClients();
}
