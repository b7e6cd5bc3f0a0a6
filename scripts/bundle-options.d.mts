import type { BuildOptions } from 'esbuild';

/** See bundle-options.mjs. */
export const SHIPPED_CODE_OPTIONS: BuildOptions;
