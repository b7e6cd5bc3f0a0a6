import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root: the folder with package.json and serverless.yml. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Everything keywarden keeps on this machine lives under `.keywarden/` (git-ignored). */
export const KEYWARDEN_DIR = join(PROJECT_ROOT, '.keywarden');

/** The Python virtual environment that runs moto. */
export const VENV_DIR = join(KEYWARDEN_DIR, 'venv');

/** The moto launcher: refuses any moto but the pinned one, applies keywarden's patches (cli/local/moto_patches/), runs moto's server. */
export const MOTO_LAUNCHER = join(PROJECT_ROOT, 'cli', 'local', 'moto_server.py');

/** The one pinned requirement of the local AWS, read by venv.ts and by the launcher's version guard. */
export const MOTO_REQUIREMENT_FILE = join(PROJECT_ROOT, 'cli', 'local', 'moto-requirement.txt');

/**
 * Where `keywarden local up` keeps its state (state.json, moto.log). `KEYWARDEN_LOCAL_DIR`
 * overrides it, so a test can run the CLI without touching a developer's instance.
 */
export function localDir(): string {
  return process.env.KEYWARDEN_LOCAL_DIR ? resolve(process.env.KEYWARDEN_LOCAL_DIR) : join(KEYWARDEN_DIR, 'local');
}

/** The packaged CloudFormation template that `serverless package` writes. */
export const PACKAGED_TEMPLATE = join(PROJECT_ROOT, '.serverless', 'cloudformation-template-update-stack.json');

/** The state `serverless package` leaves beside the template (it names the stage). */
export const PACKAGED_STATE = join(PROJECT_ROOT, '.serverless', 'serverless-state.json');
