// `npm test`: builds the function bundles, packages the ci stage (so the template the tests read
// exists and matches the bundles), then runs vitest with any extra arguments passed through, all
// under Node.js 22 as Lambda runs the functions (scripts/node22.mjs fetches it where this node is
// older):
//   npm test -- --project unit
//   npm test -- --reporter=default --reporter=json --outputFile=reports/vitest.json
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node22Env } from './node22.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const env = node22Env();

function run(command, args) {
  console.log(`\n$ ${[command.replace(`${root}/`, ''), ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

for (const [command, args] of [
  ['npm', ['run', 'build']],
  [bin('serverless'), ['package', '--stage', 'ci']],
]) {
  const status = run(command, args);
  if (status !== 0) process.exit(status);
}
run('node', ['--version']);
process.exit(run(bin('vitest'), ['run', ...process.argv.slice(2)]));
