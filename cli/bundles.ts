import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { ConfigError } from '../shared/errors';
import { resourceNames } from '../shared/resource-names';
import { DEFAULT_LOCAL_STAGE } from './stage';

type BundleHandler = (event: unknown, context: Context) => Promise<unknown>;

const PROJECT_ROOT = join(import.meta.dirname, '..');
const loaded = new Map<string, Promise<BundleHandler>>();

/**
 * Where `npm run build` writes a function's bundle: the file serverless.yml packages. An example
 * custom rotator, `rotator-<name>` (deployed as `keywarden-<stage>-rotator-<name>`), is at
 * dist/rotators/<name>.
 */
export function bundlePath(name: string, root = PROJECT_ROOT): string {
  if (name.startsWith(ROTATOR_PREFIX)) return join(root, 'dist', 'rotators', name.slice(ROTATOR_PREFIX.length), 'index.mjs');
  return join(root, 'dist', 'functions', name, 'index.mjs');
}

const ROTATOR_PREFIX = 'rotator-';

/** The path of a function's bundle; a ConfigError saying how to build it when there is none. */
export function requireBundle(name: string): string {
  const path = bundlePath(name);
  if (!existsSync(path)) throw new ConfigError(`no bundle at ${path}: run \`npm run build\` first`);
  return path;
}

/**
 * Invokes a built function bundle in this process, as Lambda would: the module is loaded once
 * (a warm container) and each call gets a fresh context. The function's log lines go to stderr,
 * where Lambda's would go to CloudWatch, so stdout carries only the command's own results.
 * `options.timeoutMs` is the function's timeout (its `timeout` in deploy/<part>.yml); 60 s unless given.
 */
export async function invokeBundle(name: string, event: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
  const handler = await loadHandler(name);
  const stdoutWrite = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await handler(event, lambdaContext(name, options.timeoutMs));
  } finally {
    process.stdout.write = stdoutWrite;
  }
}

function loadHandler(name: string): Promise<BundleHandler> {
  let handler = loaded.get(name);
  if (!handler) {
    const path = requireBundle(name);
    handler = import(pathToFileURL(path).href).then((mod: { handler?: BundleHandler }) => {
      if (typeof mod.handler !== 'function') throw new ConfigError(`${path} exports no handler`);
      return mod.handler;
    });
    loaded.set(name, handler);
  }
  return handler;
}

/** `timeoutMs` is the function's timeout as serverless.yml sets it; 60 s unless given. */
function lambdaContext(name: string, timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = `${resourceNames(DEFAULT_LOCAL_STAGE).stack}-${name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
