import { join } from 'node:path';
import { resetClients } from '../../shared/aws/clients';
import { localEnv, SDK_NODE_WARNING_OFF } from './env';
import { countResources, type ResourceCounts } from './inventory';
import { withLock } from './lock';
import { localDir } from './paths';
import { createResources, type CreateResourcesResult, type SkippedResource } from './resources';
import { readState, removeState, serverStatus, startServer, stopServer, writeState, type ServerState } from './server';
import { packageTemplate } from './template';
import { ensureVenv } from './venv';
import { DEFAULT_LOCAL_STAGE } from '../stage';

/**
 * The local AWS as one unit: a moto server from the project's venv, with the resources of the
 * packaged serverless template created in it. `keywarden local up/down/status` and other
 * commands that need a local AWS go through here.
 */

export { localEnv, exportLines } from './env';
export { createResources, type CreateResourcesResult } from './resources';
export { countResources, type ResourceCounts } from './inventory';
export { loadPackagedTemplate, packageTemplate } from './template';
export { resetServer, type ServerState } from './server';
export { ensureVenv } from './venv';

/** The stage `keywarden local` uses unless told otherwise (cli/stage.ts). */
export { DEFAULT_LOCAL_STAGE };

/** Options for {@link ensureLocalStack}. */
export interface EnsureLocalStackOptions {
  /** Whose resources to create: the serverless stage to package. Default `local`. */
  stage?: string;
  /** Progress lines for a person (creating the venv, packaging...). */
  onProgress?: (message: string) => void;
  /** Notes about resources that have no local counterpart. */
  onSkip?: (skipped: SkippedResource) => void;
}

/** A local AWS that is up, with its resources. */
export interface LocalStack {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The variables that point an AWS tool at it (also applied to this process). */
  env: Record<string, string>;
  state: ServerState;
  /** True when this call started moto; false when it was already running. */
  started: boolean;
  /** True when this call (re)packaged the template. */
  packaged: boolean;
  resources: CreateResourcesResult;
}

/**
 * Brings the local AWS up, idempotently: creates the venv if needed, starts moto unless the
 * recorded instance is running, packages the template if it is stale, and creates (or converges)
 * its resources. Points this process's environment at it (and resets the shared SDK clients), so
 * clients from `shared/aws/clients.ts` used afterwards talk to it.
 */
export async function ensureLocalStack(options: EnsureLocalStackOptions = {}): Promise<LocalStack> {
  const stage = options.stage ?? DEFAULT_LOCAL_STAGE;
  return withLock(join(localDir(), 'up.lock'), async () => {
    const status = await serverStatus();
    const running = status.running;
    let state = status.state;
    let started = false;
    if (!running || !state) {
      if (state) removeState();
      const venv = await ensureVenv({ onProgress: options.onProgress });
      options.onProgress?.('starting moto');
      state = await startServer({ python: venv.python, logFile: join(localDir(), 'moto.log'), detached: true });
      writeState(state);
      started = true;
    }
    const env = localEnv(state.endpoint);
    applyEnv(env);
    const pkg = await packageTemplate(stage, { env: { ...env, ...SDK_NODE_WARNING_OFF }, onProgress: options.onProgress });
    options.onProgress?.(`creating the resources of ${pkg.stackName}`);
    const resources = await createResources(pkg.template, { stackName: pkg.stackName, onSkip: options.onSkip });
    state = { ...state, stage };
    writeState(state);
    return { endpoint: state.endpoint, env, state, started, packaged: pkg.packaged, resources };
  });
}

/** Stops the recorded local AWS and forgets it. Returns what was stopped, if anything was. */
export async function stopLocalStack(): Promise<{ stopped: boolean; state?: ServerState }> {
  const state = readState();
  if (!state) return { stopped: false };
  await stopServer(state.pid);
  removeState();
  return { stopped: true, state };
}

/** Whether the recorded local AWS is up, and (when it is) what it holds. */
export async function localStackStatus(): Promise<{ running: boolean; state?: ServerState; counts?: ResourceCounts }> {
  const { running, state } = await serverStatus();
  if (!running || !state) return { running: false, state };
  applyEnv(localEnv(state.endpoint));
  return { running, state, counts: await countResources() };
}

/** Points this process at the local AWS: sets the variables and drops cached SDK clients. */
export function applyEnv(env: Record<string, string>): void {
  Object.assign(process.env, env);
  resetClients();
}
