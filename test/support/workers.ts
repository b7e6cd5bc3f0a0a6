import { availableParallelism } from 'node:os';

/**
 * How many integration files run at once (vitest.config.ts and global-setup.ts), each worker with
 * a moto of its own: one more than the cores, at most four. A file mostly waits (on its moto's
 * round trips, which alternate between the test process and single-threaded Python, on the CLI
 * processes it starts, on stand-ins): with two workers `npm test` used 0.72 of this machine's two
 * cores on average, with three 1.11, and in back-to-back runs on the shared machine three took
 * 377 s where two took 608 s (its load average about 7 and 10), the sum of file durations not
 * growing.
 * KEYWARDEN_TEST_WORKERS overrides it (1 runs the files one after another).
 */
export function integrationWorkers(): number {
  const asked = Number(process.env.KEYWARDEN_TEST_WORKERS);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return Math.max(1, Math.min(4, availableParallelism() + 1));
}

/**
 * How many unit files run at once: one per core. vitest's default leaves a core free (one worker
 * on this 2-core machine), but unit files only load modules and compute, and nothing else runs
 * beside them: the integration project starts after them.
 */
export function unitWorkers(): number {
  return Math.max(1, availableParallelism());
}
