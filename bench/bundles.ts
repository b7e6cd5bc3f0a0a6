import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kb, median } from './stats';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist', 'functions');
/**
 * KEYWARDEN_BENCH_BASELINE: another checkout, built (`npm run build` there), whose bundles are
 * measured in the same pass, interleaved, so a change's cold init is compared on the same load.
 */
const BASELINE = process.env.KEYWARDEN_BENCH_BASELINE?.trim() || undefined;
const RUNS = 9;
const ZIP_LIMIT = 200 * 1024;
const INIT_LIMIT_MS = 60;

/**
 * Work a cold start no longer does, because it moved to the step that needs it: timed as a fresh
 * process that imports the function and then the chunk that step imports.
 */
const DEFERRED = [
  { label: 'rotate, first PostgreSQL step', name: 'rotate', module: 'node_modules/pg/lib/client.js' },
  { label: 'rotate, first MySQL/MariaDB step', name: 'rotate', module: 'node_modules/mysql2/promise.js' },
];

/** What `npm run build` wrote to dist/chunks.json for one function. */
interface ChunkMap {
  atInit: string[];
  lazy: Record<string, string>;
}

function chunkMaps(root = ROOT): Record<string, ChunkMap> {
  return JSON.parse(readFileSync(join(root, 'dist', 'chunks.json'), 'utf8'));
}

/** Bytes a cold start of `name` loads in the checkout at `root`. */
function initBytes(root: string, name: string): number {
  return chunkMaps(root)[name]!.atInit.reduce((sum, file) => sum + statSync(join(root, 'dist', 'functions', name, file)).size, 0);
}

/**
 * Bytes per function: all its files (minified), those a cold start loads, and the zip of them all
 * as `serverless package` zips them.
 */
export function bundleSizes(): Array<{ name: string; files: number; minified: number; atInit: number; zipped: number }> {
  const maps = chunkMaps();
  const scratch = mkdtempSync(join(tmpdir(), 'kw-bench-'));
  const size = (name: string, file: string) => statSync(join(DIST, name, file)).size;
  try {
    return readdirSync(DIST).map((name) => {
      const files = readdirSync(join(DIST, name));
      const zip = join(scratch, `${name}.zip`);
      execFileSync('zip', ['-q', '-9', '-j', zip, ...files.map((file) => join(DIST, name, file))]);
      return {
        name,
        files: files.length,
        minified: files.reduce((sum, file) => sum + size(name, file), 0),
        atInit: maps[name]!.atInit.reduce((sum, file) => sum + size(name, file), 0),
        zipped: statSync(zip).size,
      };
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

/** A fresh process that imports each file in turn, as the function would load them. */
function importing(files: string[]): string[] {
  const urls = files.map((file) => JSON.stringify(`file://${file}`));
  return ['--input-type=module', '-e', urls.map((url) => `await import(${url});`).join('')];
}

/**
 * Cold init of each bundle: a fresh node process that imports its index.mjs (the handler, what it
 * imports at once, and the SDK clients it builds at load), and each of {@link DEFERRED}, against a
 * bare `node -e ''` measured interleaved in the same run, medians of {@link RUNS}.
 */
export function coldInit(names: string[]): { bareMs: number; rows: Array<{ label: string; ms: number; aboveBareMs: number }> } {
  const maps = chunkMaps();
  const probes = [
    ...names.map((name) => ({ label: name, files: [join(DIST, name, 'index.mjs')] })),
    ...(BASELINE ? names.map((name) => ({ label: `${name} (baseline)`, files: [join(BASELINE, 'dist', 'functions', name, 'index.mjs')] })) : []),
    ...DEFERRED.map(({ label, name, module }) => {
      const chunk = maps[name]?.lazy[module];
      if (!chunk) throw new Error(`dist/chunks.json has no chunk of ${name} for ${module}: did the import move?`);
      return { label: `${label} (${chunk})`, files: [join(DIST, name, 'index.mjs'), join(DIST, name, chunk)] };
    }),
  ];
  const bare: number[] = [];
  const samples = probes.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i += 1) {
    bare.push(processMs(['-e', '']));
    probes.forEach((probe, p) => samples[p]!.push(processMs(importing(probe.files))));
  }
  const bareMs = median(bare);
  return {
    bareMs,
    rows: probes.map((probe, p) => {
      const ms = median(samples[p]!);
      return { label: probe.label, ms, aboveBareMs: ms - bareMs };
    }),
  };
}

/** Prints both figures with their targets. */
export function printBundleFigures(): void {
  const sizes = bundleSizes();
  const init = coldInit(sizes.map((s) => s.name));
  const figure = (row: { ms: number; aboveBareMs: number }) =>
    `${row.ms.toFixed(1)} ms = bare + ${row.aboveBareMs.toFixed(1)} ms (${(row.ms / init.bareMs).toFixed(2)}x bare)`;
  console.log(`\n== bundles (target: zip <= ${kb(ZIP_LIMIT)}, init <= ${INIT_LIMIT_MS} ms above bare node)`);
  console.log(`bare node -e '': ${init.bareMs.toFixed(1)} ms (median of ${RUNS})`);
  for (const size of sizes) {
    console.log(
      `${size.name.padEnd(10)} minified ${kb(size.minified).padStart(9)} in ${size.files} files, ${kb(size.atInit).padStart(9)} loaded at init; ` +
        `zipped ${kb(size.zipped).padStart(8)} (${((size.zipped / ZIP_LIMIT) * 100).toFixed(0)}% of target); ` +
        `init ${figure(init.rows.find((r) => r.label === size.name)!)}`,
    );
  }
  if (BASELINE) {
    console.log(`baseline ${BASELINE}, measured interleaved in the same pass:`);
    for (const size of sizes) {
      const row = init.rows.find((r) => r.label === `${size.name} (baseline)`)!;
      console.log(`${size.name.padEnd(10)} loaded at init ${kb(initBytes(BASELINE, size.name)).padStart(9)} (this tree ${kb(size.atInit)}); init ${figure(row)}`);
    }
  }
  console.log('deferred to the step that needs it (the function, then the chunk that step imports):');
  for (const row of init.rows.filter((r) => !sizes.some((s) => s.name === r.label) && !r.label.endsWith('(baseline)'))) {
    console.log(`${row.label}: ${figure(row)}`);
  }
}
