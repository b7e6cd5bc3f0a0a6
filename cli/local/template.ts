import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors';
import { exec, tail } from './exec';
import { withLock } from './lock';
import { KEYWARDEN_DIR, PACKAGED_STATE, PACKAGED_TEMPLATE, PROJECT_ROOT } from './paths';

/** One resource of a CloudFormation template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [key: string]: unknown;
}

/** The parts of a CloudFormation template the local AWS reads. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
  Outputs?: Record<string, unknown>;
}

/** A packaged template and what it was packaged for. */
export interface PackagedTemplate {
  path: string;
  template: CfnTemplate;
  /** The serverless service name (`keywarden`). */
  service: string;
  stage: string;
  /** The CloudFormation stack name serverless gives it: `<service>-<stage>`. */
  stackName: string;
}

/**
 * Reads the template that `serverless package` wrote to `.serverless/`, with the stage it was
 * packaged for (from `serverless-state.json` beside it).
 *
 * @throws ConfigError when it is missing: run `npm run package` or `keywarden local up`.
 */
export function loadPackagedTemplate(path: string = PACKAGED_TEMPLATE, statePath: string = PACKAGED_STATE): PackagedTemplate {
  if (!existsSync(path)) {
    throw new ConfigError(`${path} is missing: run \`npx serverless package --stage <stage>\` (keywarden local up and npm test do it)`);
  }
  const template = JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate;
  let service = 'keywarden';
  let stage = 'unknown';
  try {
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { service?: { service?: string; provider?: { stage?: string } } };
    service = state.service?.service ?? service;
    stage = state.service?.provider?.stage ?? stage;
  } catch {
    // A template from elsewhere (a fixture): the stage is unknown.
  }
  return { path, template, service, stage, stackName: `${service}-${stage}` };
}

/** Why the packaged template has to be made again, or undefined when it is up to date. */
export function templateStaleReason(stage: string, root: string = PROJECT_ROOT): string | undefined {
  const template = join(root, '.serverless', 'cloudformation-template-update-stack.json');
  if (!existsSync(template)) return 'no packaged template yet';
  const packagedAt = mtime(template);
  let packagedStage: string | undefined;
  try {
    packagedStage = (JSON.parse(readFileSync(join(root, '.serverless', 'serverless-state.json'), 'utf8')) as { service?: { provider?: { stage?: string } } })
      .service?.provider?.stage;
  } catch {
    // unknown stage: treat as another stage
  }
  if (packagedStage !== stage) return `the template was packaged for stage ${packagedStage ?? '(unknown)'}, not ${stage}`;
  if (mtime(join(root, 'serverless.yml')) > packagedAt) return 'serverless.yml changed since it was packaged';
  const bundleReason = bundlesStaleReason(root);
  if (bundleReason) return bundleReason;
  for (const bundle of bundles(root)) {
    if (mtime(bundle) > packagedAt) return `${bundle} is newer than the template`;
  }
  return undefined;
}

/** Why `npm run build` has to run, or undefined when every bundle is newer than its sources. */
export function bundlesStaleReason(root: string = PROJECT_ROOT): string | undefined {
  const functionsDir = join(root, 'functions');
  const names = existsSync(functionsDir) ? readdirSync(functionsDir).filter((name) => existsSync(join(functionsDir, name, 'handler.ts'))) : [];
  const built = names.map((name) => join(root, 'dist', 'functions', name, 'index.mjs'));
  const missing = built.find((file) => !existsSync(file));
  if (missing) return `${missing} is missing`;
  if (built.length === 0) return undefined;
  const oldest = Math.min(...built.map(mtime));
  const sources = [...walk(functionsDir), ...walk(join(root, 'shared')), join(root, 'package-lock.json')];
  const newer = sources.find((file) => existsSync(file) && mtime(file) > oldest);
  return newer ? `${newer} changed since the last build` : undefined;
}

/**
 * Makes sure `.serverless/` holds the template for `stage`, built from current bundles: runs
 * `npm run build` when a bundle is older than its sources, then `serverless package --stage`
 * when the template is missing, for another stage, or older than serverless.yml or a bundle.
 *
 * `env` is added to the environment of both commands. Pass the local AWS's variables: serverless
 * resolves `${aws:accountId}` with an STS call, which moto answers (account 123456789012).
 *
 * @returns the template, and whether it was packaged again.
 * @throws ConfigError with the tail of the failing command's output.
 */
export async function packageTemplate(
  stage: string,
  options: { env?: Record<string, string>; force?: boolean; onProgress?: (message: string) => void } = {},
): Promise<PackagedTemplate & { packaged: boolean }> {
  return withLock(join(KEYWARDEN_DIR, 'package.lock'), async () => {
    const reason = options.force ? 'asked to' : templateStaleReason(stage);
    if (!reason) return { ...loadPackagedTemplate(), packaged: false };
    const env = { ...process.env, ...options.env };
    const buildReason = options.force ? 'asked to' : bundlesStaleReason();
    if (buildReason) {
      options.onProgress?.(`building the function bundles (${buildReason})`);
      await run('npm', ['run', 'build'], env);
    }
    options.onProgress?.(`packaging stage ${stage} with serverless (${reason})`);
    await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'serverless'), ['package', '--stage', stage], env);
    return { ...loadPackagedTemplate(), packaged: true };
  });
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const result = await exec(command, args, { cwd: PROJECT_ROOT, env });
  if (result.code !== 0) {
    throw new ConfigError(`\`${[command.replace(`${PROJECT_ROOT}/`, ''), ...args].join(' ')}\` failed (exit ${result.code}):\n${tail(result.output, 20)}`);
  }
}

function bundles(root: string): string[] {
  const dist = join(root, 'dist', 'functions');
  if (!existsSync(dist)) return [];
  return readdirSync(dist)
    .map((name) => join(dist, name, 'index.mjs'))
    .filter((file) => existsSync(file));
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && /\.(ts|mts|js|mjs|json)$/.test(entry.name)) yield path;
  }
}

function mtime(file: string): number {
  return statSync(file).mtimeMs;
}
