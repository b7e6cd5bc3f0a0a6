import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { SDK_NODE_WARNING_OFF, localEnv } from '../../cli/local/env';
import { KEYWARDEN_DIR } from '../../cli/local/paths';
import { startServer, stopServer } from '../../cli/local/server';
import { packageTemplate } from '../../cli/local/template';
import { ensureVenv } from '../../cli/local/venv';
import { integrationWorkers } from './workers';

/** The serverless stage the integration tests package and create. */
export const TEST_STAGE = 'ci';

/**
 * Once per run of the integration project: makes sure the venv exists, starts one moto of its own
 * per test worker (never a developer's `keywarden local up` instance), each on a free port,
 * packages the template when stale, and hands the endpoints to the tests: files run side by side,
 * each worker on its own moto (test/support/local-aws.ts picks it). Stops them at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  Object.assign(process.env, SDK_NODE_WARNING_OFF);
  const note = (message: string) => console.error(`[local AWS] ${message}`);
  const venv = await ensureVenv({ onProgress: note });
  mkdirSync(join(KEYWARDEN_DIR, 'test'), { recursive: true });
  const workers = integrationWorkers();
  const logFiles = Array.from({ length: workers }, (_, i) => join(KEYWARDEN_DIR, 'test', `moto-${process.pid}-${i + 1}.log`));
  const servers = await Promise.all(logFiles.map((logFile) => startServer({ python: venv.python, logFile, detached: false })));
  const stopAll = () => Promise.all(servers.map((server) => stopServer(server.pid)));
  const claimDir = mkdtempSync(join(KEYWARDEN_DIR, 'test', 'claims-'));
  const packagedDir = mkdtempSync(join(KEYWARDEN_DIR, 'test', 'packaged-'));
  try {
    const env = localEnv(servers[0]!.endpoint);
    // Test workers start after this and inherit it; integration-setup.ts points each at its own.
    Object.assign(process.env, env);
    const pkg = await packageTemplate(TEST_STAGE, { env: { ...env, ...SDK_NODE_WARNING_OFF }, onProgress: note });
    project.provide('awsEndpoints', servers.map((server) => server.endpoint));
    project.provide('awsLogFiles', logFiles);
    project.provide('awsClaimDir', claimDir);
    project.provide('packagedTemplatesDir', packagedDir);
    project.provide('awsTemplatePath', pkg.path);
    project.provide('awsStackName', pkg.stackName);
  } catch (error) {
    note(`setup failed; moto's logs are kept at ${logFiles.join(', ')}`);
    await stopAll();
    throw error;
  }
  return async () => {
    await stopAll();
    for (const logFile of logFiles) rmSync(logFile, { force: true });
    rmSync(claimDir, { recursive: true, force: true });
    rmSync(packagedDir, { recursive: true, force: true });
  };
}
