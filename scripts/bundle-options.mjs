// The esbuild options that decide what the function bundles' code is (and so how fast it runs):
// shared by scripts/build.mjs, which builds the bundles Lambda runs, and by `npm run bench -- audit`
// (bench/audit.ts), which times the audit pipeline built the same way.
export const SHIPPED_CODE_OPTIONS = {
  bundle: true,
  platform: 'node',
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ['module', 'main'],
  target: 'node22',
  format: 'esm',
  minify: true,
  legalComments: 'none',
};
