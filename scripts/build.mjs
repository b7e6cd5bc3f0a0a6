// Bundles each functions/<name>/handler.ts into dist/functions/<name>/index.mjs: the exact files
// that serverless.yml packages, so what runs locally is what ships.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStubs } from './bundle-stubs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir).filter((name) => existsSync(join(functionsDir, name, 'handler.ts')));

rmSync(join(root, 'dist', 'functions'), { recursive: true, force: true });
await Promise.all(
  names.map((name) =>
    build({
      entryPoints: [join(functionsDir, name, 'handler.ts')],
      outfile: join(root, 'dist', 'functions', name, 'index.mjs'),
      plugins: [bundleStubs],
      bundle: true,
      platform: 'node',
      // The SDK's ES module builds tree-shake far better than its CommonJS ones.
      mainFields: ['module', 'main'],
      target: 'node20',
      format: 'esm',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      // Some dependencies are CommonJS and call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);" },
    }),
  ),
);
console.log(`built ${names.length} function bundle(s): ${names.join(', ')}`);
