import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { SDK_NODE_WARNING_OFF, localEnv } from '../../cli/local/env';
import { KEYWARDEN_DIR } from '../../cli/local/paths';
import { createResources } from '../../cli/local/resources';
import { startServer, stopServer } from '../../cli/local/server';
import { packageTemplate } from '../../cli/local/template';
import { ensureVenv } from '../../cli/local/venv';

/** The serverless stage the integration tests package and create. */
export const TEST_STAGE = 'ci';

/**
 * Once per run of the integration project: makes sure the venv exists, starts a moto of its own
 * (never a developer's `keywarden local up` instance) on a free port, packages the template when
 * stale, creates its resources, and hands the endpoint to the tests. Stops moto at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  Object.assign(process.env, SDK_NODE_WARNING_OFF);
  const note = (message: string) => console.error(`[local AWS] ${message}`);
  const venv = await ensureVenv({ onProgress: note });
  const logFile = join(KEYWARDEN_DIR, 'test', `moto-${process.pid}.log`);
  mkdirSync(join(KEYWARDEN_DIR, 'test'), { recursive: true });
  const server = await startServer({ python: venv.python, logFile, detached: false });
  const stop = async () => {
    await stopServer(server.pid);
    rmSync(logFile, { force: true });
  };
  try {
    const env = localEnv(server.endpoint);
    // Test workers start after this and inherit it; integration-setup.ts sets it again anyway.
    Object.assign(process.env, env);
    const pkg = await packageTemplate(TEST_STAGE, { env: { ...env, ...SDK_NODE_WARNING_OFF }, onProgress: note });
    await createResources(pkg.template, { stackName: pkg.stackName });
    project.provide('awsEndpoint', server.endpoint);
    project.provide('awsTemplatePath', pkg.path);
    project.provide('awsStackName', pkg.stackName);
  } catch (error) {
    note(`setup failed; moto's log is kept at ${logFile}`);
    await stopServer(server.pid);
    throw error;
  }
  return stop;
}
