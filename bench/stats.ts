import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Formats bytes as KB with one decimal. */
export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** What {@link measure} reports of one call. */
export interface Measured<T = unknown> {
  result: T;
  ms: number;
  peakRss: number;
  heapGrowth: number;
}

/** Wall time and peak memory (sampled every 5 ms) of one call. */
export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const startHeap = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = startHeap;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const began = performance.now();
  try {
    const result = await fn();
    return { result, ms: performance.now() - began, peakRss, heapGrowth: Math.max(0, peakHeap - startHeap) };
  } finally {
    clearInterval(sampler);
  }
}

/** Referencing something after a collection keeps it alive through it, so it counts as live. */
export function keptUntilHere(_value: unknown): void {}

let gc: (() => void) | undefined;

/** Heap in use after a full collection (exposes V8's gc on first use). */
export function collectedHeap(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
}
