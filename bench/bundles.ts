import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kb, median } from './stats';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 7;
const ZIP_LIMIT = 200 * 1024;
const INIT_LIMIT_MS = 60;

/** Bundle bytes (minified, and zipped as `serverless package` zips them) for each function. */
export function bundleSizes(): Array<{ name: string; minified: number; zipped: number }> {
  const dir = join(ROOT, 'dist', 'functions');
  const scratch = mkdtempSync(join(tmpdir(), 'kw-bench-'));
  try {
    return readdirSync(dir).map((name) => {
      const file = join(dir, name, 'index.mjs');
      const zip = join(scratch, `${name}.zip`);
      execFileSync('zip', ['-q', '-9', '-j', zip, file]);
      return { name, minified: statSync(file).size, zipped: statSync(zip).size };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function processMs(args: string[]): number {
  const began = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env: { ...process.env, AWS_REGION: 'us-east-1' }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`);
  return Number(process.hrtime.bigint() - began) / 1e6;
}

/**
 * Cold init of each bundle: a fresh node process that imports it (which constructs its clients),
 * against a bare `node -e ''` measured interleaved in the same run, medians of {@link RUNS}.
 */
export function coldInit(names: string[]): { bareMs: number; rows: Array<{ name: string; ms: number; aboveBareMs: number }> } {
  const bare: number[] = [];
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let i = 0; i < RUNS; i += 1) {
    bare.push(processMs(['-e', '']));
    for (const name of names) {
      const url = `file://${join(ROOT, 'dist', 'functions', name, 'index.mjs')}`;
      samples.get(name)!.push(processMs(['--input-type=module', '-e', `await import(${JSON.stringify(url)})`]));
    }
  }
  const bareMs = median(bare);
  return {
    bareMs,
    rows: names.map((name) => {
      const ms = median(samples.get(name)!);
      return { name, ms, aboveBareMs: ms - bareMs };
    }),
  };
}

/** Prints both figures with their targets. */
export function printBundleFigures(): void {
  const sizes = bundleSizes();
  const init = coldInit(sizes.map((s) => s.name));
  console.log(`\n== bundles (target: zip <= ${kb(ZIP_LIMIT)}, init <= ${INIT_LIMIT_MS} ms above bare node)`);
  console.log(`bare node -e '': ${init.bareMs.toFixed(1)} ms (median of ${RUNS})`);
  for (const size of sizes) {
    const row = init.rows.find((r) => r.name === size.name)!;
    console.log(
      `${size.name.padEnd(10)} minified ${kb(size.minified).padStart(9)}  zipped ${kb(size.zipped).padStart(8)} ` +
        `(${((size.zipped / ZIP_LIMIT) * 100).toFixed(0)}% of target)  init ${row.ms.toFixed(1)} ms = ` +
        `bare + ${row.aboveBareMs.toFixed(1)} ms (${(row.ms / init.bareMs).toFixed(2)}x bare)`,
    );
  }
}
