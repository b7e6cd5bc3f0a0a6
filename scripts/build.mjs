// Bundles each functions/<name>/handler.ts into dist/functions/<name>/: index.mjs (the handler)
// and the chunks it imports, the exact files that serverless.yml packages, so what runs locally
// is what ships.
//
// Code splitting keeps cold init short: whatever the code reaches only through `await import()`
// (the database drivers; the SDK's container and instance-metadata credential providers and its
// event streams) goes into a chunk of its own that Node loads only when an invocation gets there,
// instead of being parsed with the handler at every cold start. A chunk of a CommonJS module
// exports only `default`, so code takes such a module from the default of its dynamic import.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStubs } from './bundle-stubs.mjs';
import { restProtocolSplit } from './rest-protocol-split.mjs';
import { schemaLiteralKeys } from './schema-literal-keys.mjs';
import { SHIPPED_CODE_OPTIONS } from './bundle-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir).filter((name) => existsSync(join(functionsDir, name, 'handler.ts')));

// Some dependencies are CommonJS and call require(). esbuild's ESM output sends those calls to a
// shim that uses the `require` in scope (`typeof require`), so the file holding the shim gets one;
// the others skip the call.
const REQUIRE_BANNER = "import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);\n";

async function bundle(name) {
  const outdir = join(root, 'dist', 'functions', name);
  const result = await build({
    entryPoints: { index: join(functionsDir, name, 'handler.ts') },
    outdir,
    absWorkingDir: root,
    splitting: true,
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    plugins: [bundleStubs, restProtocolSplit, schemaLiteralKeys],
    ...SHIPPED_CODE_OPTIONS,
    sourcemap: false,
    logLevel: 'warning',
    write: false,
    metafile: true,
  });
  mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) {
    writeFileSync(file.path, /\btypeof require\b/.test(file.text) ? REQUIRE_BANNER + file.text : file.contents);
  }
  return { files: result.outputFiles.length, ...chunkMap(result.metafile) };
}

/**
 * What Node loads when: `atInit`, the files a cold start imports (index.mjs and its static
 * imports); `lazy`, the chunk that each `await import()` loads, by the module it imports.
 */
function chunkMap({ outputs }) {
  const entry = Object.keys(outputs).find((output) => basename(output) === 'index.mjs');
  const atInit = new Set();
  const visit = (output) => {
    if (atInit.has(output)) return;
    atInit.add(output);
    for (const { path, kind } of outputs[output].imports) if (kind === 'import-statement' && outputs[path]) visit(path);
  };
  visit(entry);
  const lazy = {};
  for (const [output, { entryPoint }] of Object.entries(outputs)) if (output !== entry && entryPoint) lazy[entryPoint] = basename(output);
  return { atInit: [...atInit].map((output) => basename(output)), lazy };
}

/**
 * The example custom rotators (examples/<name>-rotator/handler.ts) are functions of their own,
 * deployed beside keywarden, not part of it: one file each at dist/rotators/<name>/index.mjs,
 * which the local AWS runs for `keywarden-<stage>-rotator-<name>` (cli/bundles.ts).
 */
async function bundleRotator(dir) {
  await build({
    entryPoints: { index: join(root, 'examples', dir, 'handler.ts') },
    outdir: join(root, 'dist', 'rotators', dir.slice(0, -'-rotator'.length)),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const examplesDir = join(root, 'examples');
const rotators = existsSync(examplesDir) ? readdirSync(examplesDir).filter((dir) => dir.endsWith('-rotator') && existsSync(join(examplesDir, dir, 'handler.ts'))) : [];
rmSync(join(root, 'dist', 'functions'), { recursive: true, force: true });
rmSync(join(root, 'dist', 'rotators'), { recursive: true, force: true });
const built = await Promise.all(names.map(bundle));
await Promise.all(rotators.map(bundleRotator));
// Outside the function folders, so never packaged: `npm run bench` reads it to time the chunks.
const chunks = Object.fromEntries(names.map((name, i) => [name, { atInit: built[i].atInit, lazy: built[i].lazy }]));
writeFileSync(join(root, 'dist', 'chunks.json'), `${JSON.stringify(chunks, null, 2)}\n`);
console.log(`built ${names.length} function bundle(s): ${names.map((name, i) => `${name} (${built[i].files} files)`).join(', ')}`);
