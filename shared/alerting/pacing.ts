import { createHash } from 'node:crypto';

/**
 * Keeps sends to one destination at most one per interval (Slack: about one message a second
 * per incoming webhook). Every sender reserves the next free slot before it sends; the
 * DynamoDB pacer shares the slots across concurrent function instances, the memory pacer
 * within one process (the CLI, tests).
 */
export interface SendPacer {
  /**
   * Reserves the first slot for `key` that is at least `intervalMs` after the last reserved
   * one, and returns how many ms from now it starts (0: send now).
   */
  reserve(key: string, intervalMs: number): Promise<number>;
}

/** Slots in this process only. */
export class MemoryPacer implements SendPacer {
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(key: string, intervalMs: number): Promise<number> {
    const now = this.now();
    const slot = Math.max(now, this.nextFree.get(key) ?? 0);
    this.nextFree.set(key, slot + intervalMs);
    return slot - now;
  }
}

/**
 * A key for a destination that does not reveal it: the store and the logs see a hash of the
 * webhook URL, never the URL (which is a credential).
 */
export function paceKey(destination: string): string {
  return createHash('sha256').update(destination).digest('hex').slice(0, 32);
}

/** Reserves a slot and waits for it. */
export async function waitForSlot(pacer: SendPacer, key: string, intervalMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  if (intervalMs <= 0) return;
  const wait = await pacer.reserve(key, intervalMs);
  if (wait > 0) await sleep(wait);
}
