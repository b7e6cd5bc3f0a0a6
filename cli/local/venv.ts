import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors';
import { exec, tail } from './exec';
import { withLock } from './lock';
import { KEYWARDEN_DIR, MOTO_REQUIREMENT_FILE, VENV_DIR } from './paths';

/**
 * The one pinned requirement of the local AWS (`moto[server]==5.2.5`), from
 * cli/local/moto-requirement.txt, where moto_server.py's version guard reads it too. Changing it
 * reinstalls the venv.
 */
export const MOTO_REQUIREMENT = readFileSync(MOTO_REQUIREMENT_FILE, 'utf8').trim();

/** moto 5.2 supports these Pythons and newer. */
const MIN_PYTHON: [number, number] = [3, 9];

/** A ready virtual environment. */
export interface Venv {
  /** The venv's folder. */
  dir: string;
  /** Its python interpreter: run moto with this. */
  python: string;
  /** True when this call created or reinstalled it; false when it was reused. */
  installed: boolean;
}

/** What the marker file records about a finished install. */
interface Marker {
  requirement: string;
  python: string;
  installedAt: string;
}

const MARKER_FILE = '.keywarden-installed.json';

/**
 * Makes sure `.keywarden/venv` exists with {@link MOTO_REQUIREMENT} installed, and returns it.
 * Reuses it when its marker says the same requirement was installed; otherwise (re)creates it
 * with `python3 -m venv` and installs with pip. Takes about a minute the first time.
 *
 * @throws ConfigError naming what to install when python3, its venv module or pip is missing or
 * fails; the pip log is at `.keywarden/venv-install.log`.
 */
export async function ensureVenv(options: { dir?: string; python3?: string; onProgress?: (message: string) => void } = {}): Promise<Venv> {
  const dir = options.dir ?? VENV_DIR;
  const python = join(dir, 'bin', 'python');
  if (isInstalled(dir)) return { dir, python, installed: false };
  return withLock(`${dir}.lock`, async () => {
    if (isInstalled(dir)) return { dir, python, installed: false };
    const systemPython = options.python3 ?? process.env.KEYWARDEN_PYTHON ?? 'python3';
    const version = await checkPython(systemPython);
    options.onProgress?.(`creating the Python venv at ${dir} (python ${version}) and installing ${MOTO_REQUIREMENT}; about a minute`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(KEYWARDEN_DIR, { recursive: true });
    const created = await exec(systemPython, ['-m', 'venv', dir]);
    if (created.code !== 0 || !existsSync(join(dir, 'bin', 'pip'))) {
      rmSync(dir, { recursive: true, force: true });
      throw new ConfigError(
        `${systemPython} -m venv failed: the venv module or ensurepip is missing. Install it (Debian/Ubuntu: ` +
          `apt-get install python3-venv, or python${version}-venv) and run again.\n${tail(created.output, 5)}`,
      );
    }
    const logFile = join(KEYWARDEN_DIR, 'venv-install.log');
    const pip = await exec(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', MOTO_REQUIREMENT]);
    writeFileSync(logFile, pip.output);
    if (pip.code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new ConfigError(
        `pip could not install ${MOTO_REQUIREMENT} into ${dir} (log: ${logFile}). Check that PyPI is reachable ` +
          `(or PIP_INDEX_URL points at a mirror) and run again.\n${tail(pip.output, 8)}`,
      );
    }
    const marker: Marker = { requirement: MOTO_REQUIREMENT, python: version, installedAt: new Date().toISOString() };
    writeFileSync(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
    return { dir, python, installed: true };
  });
}

/** Whether the venv at `dir` has the pinned requirement installed (by its marker). */
export function isInstalled(dir: string = VENV_DIR): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8')) as Partial<Marker>;
    return marker.requirement === MOTO_REQUIREMENT && existsSync(join(dir, 'bin', 'python'));
  } catch {
    return false;
  }
}

/** Checks that `python3` runs and is new enough; returns its version ("3.11.7"). */
async function checkPython(python3: string): Promise<string> {
  let result;
  try {
    result = await exec(python3, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  } catch (error) {
    throw new ConfigError(
      `${python3} was not found. The local AWS runs moto from a Python venv: install Python ${MIN_PYTHON.join('.')} or newer ` +
        `with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv), or set KEYWARDEN_PYTHON to an interpreter.`,
      { cause: error },
    );
  }
  const version = result.output.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (result.code !== 0 || major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new ConfigError(
      `${python3} is ${version || 'not working'}; moto needs Python ${MIN_PYTHON.join('.')} or newer ` +
        `(Debian/Ubuntu: apt-get install python3 python3-venv), or set KEYWARDEN_PYTHON to a newer interpreter.`,
    );
  }
  return version;
}
