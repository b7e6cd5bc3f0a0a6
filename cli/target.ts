import { resetClients } from '../shared/aws/clients';
import { CliExit, ExitCode } from './exit-codes';
import { localEnv } from './local/env';
import { serverStatus } from './local/server';

/** Where a command acts: real AWS (the service runs rotations), or the local AWS (we play it). */
export type Target = { kind: 'aws' } | { kind: 'local'; endpoint: string };

/**
 * `--local` points this process at the running local AWS; an `AWS_ENDPOINT_URL` already set
 * means a local AWS too, since no real rotation function can be reached behind an override.
 */
export async function resolveTarget(options: { local?: boolean }): Promise<Target> {
  if (options.local) {
    const { running, state } = await serverStatus();
    if (!running || !state) {
      throw new CliExit(ExitCode.NotFound, 'the local AWS is not running: start it with `keywarden local up`');
    }
    Object.assign(process.env, localEnv(state.endpoint));
    // Bundles run in this process derive their tables from the stage, as in Lambda.
    if (!process.env.KEYWARDEN_STAGE && state.stage) process.env.KEYWARDEN_STAGE = state.stage;
    resetClients();
    return { kind: 'local', endpoint: state.endpoint };
  }
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return endpoint ? { kind: 'local', endpoint } : { kind: 'aws' };
}
