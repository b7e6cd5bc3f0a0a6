import type { DemoSecret } from '../secrets';

/**
 * One database or cache the demo rotates credentials in: it knows the names of the secrets it
 * backs, and can (re)create its demo users with fresh initial passwords, returning the secrets
 * that describe them.
 */
export interface DemoDatabase {
  /** For people: "PostgreSQL", "MariaDB", "Redis". */
  label: string;
  /** host:port */
  where: string;
  /** Every demo secret it backs. */
  secretNames: readonly string[];
  /** The ones the demo rotates, in order (apps before the admin whose secret they name). */
  rotated: readonly string[];
  /** Drops the demo's users (and their objects) and creates them again with new passwords. */
  reset(): Promise<DemoSecret[]>;
  close(): Promise<void>;
}

/** A database the demo could not use, and why. */
export interface SkippedDatabase {
  label: string;
  reason: string;
}

/** An initial password for a demo user: random, long, and free of quoting trouble. */
export function initialPassword(): string {
  return `Kw1-${crypto.randomUUID().replace(/-/g, '')}`;
}
