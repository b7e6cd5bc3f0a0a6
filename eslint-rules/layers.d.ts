/** Why importing `target` (a repo path, no extension) from `file` breaks a layer, or undefined. */
export function layerViolation(file: string, target: string): string | undefined;
export const STAGE_ORDER: string[][];
export const INNER_ORDER: Record<string, string[]>;
export const STAGE_CONTRACTS: Record<string, string[]>;
declare const plugin: { rules: Record<string, unknown> };
export default plugin;
