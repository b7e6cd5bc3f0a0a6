import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** The environment of a machine with no AWS credentials anywhere the bundles' SDK would look. */
function noCredentials(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

/** Runs one rotation step of the built rotate bundle in a fresh process; returns its error chain. */
function failedStep(env: NodeJS.ProcessEnv): string {
  const bundle = pathToFileURL(join(ROOT, 'dist', 'functions', 'rotate', 'index.mjs')).href;
  const script = `
    const { handler } = await import(${JSON.stringify(bundle)});
    const context = { awsRequestId: 'r', functionName: 'f', getRemainingTimeInMillis: () => 60_000 };
    try {
      await handler({ Step: 'createSecret', SecretId: 'kw-no-credentials', ClientRequestToken: 'a'.repeat(32) }, context);
      console.log('no error');
    } catch (error) {
      const chain = [];
      for (let e = error; e; e = e.cause) chain.push(e.message);
      console.log(chain.join(' <- '));
    }`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 30_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim();
}

describe('the credential providers the function bundles leave out (scripts/bundle-stubs.mjs)', () => {
  it('let the SDK go on to the providers after them, so it ends with its own "no credentials" error', () => {
    const chain = failedStep(noCredentials());
    expect(chain).toMatch(/Could not load credentials from any providers/);
    expect(chain).not.toMatch(/take AWS credentials from the environment/);
  });
});
