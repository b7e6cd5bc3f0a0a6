import type { StateItem, StatePut, StateUpdate } from './state';

/**
 * One part of what the engine keeps in the detector state (secret facts, first reads, principal
 * activity). The engine runs every phase's steps together: one read for all their keys, one
 * round of updates, one round of puts, so a batch costs a handful of calls whatever its size.
 */
export interface StatePhase {
  /** Items to read before deciding anything. */
  keys(): string[];
  /** Atomic changes, given what was read. */
  updates(read: ReadonlyMap<string, StateItem>): StateUpdate[];
  /** Items to create if absent, given what was read. */
  puts(read: ReadonlyMap<string, StateItem>): StatePut[];
  /** Works out the facts detectors will ask for. */
  finish(read: ReadonlyMap<string, StateItem>, updated: ReadonlyMap<string, StateItem>, created: ReadonlySet<string>): void;
}

const DAY_MS = 86_400_000;

/** An expiry (epoch seconds) `ms` after the later of `baseMs` and now, so replayed old events keep their state long enough. */
export function expiryAfter(baseMs: number, ms: number, nowMs: number): number {
  return Math.ceil((Math.max(baseMs, nowMs) + ms) / 1000);
}

/** Days in milliseconds. */
export function days(n: number): number {
  return n * DAY_MS;
}

/** The numeric attribute, or undefined. */
export function numberAttribute(item: StateItem | undefined, name: string): number | undefined {
  const value = item?.[name];
  return typeof value === 'number' ? value : undefined;
}

/** The string attribute, or undefined. */
export function stringAttribute(item: StateItem | undefined, name: string): string | undefined {
  const value = item?.[name];
  return typeof value === 'string' ? value : undefined;
}

const EMPTY: ReadonlySet<string> = new Set();

/** The string-set attribute, or an empty set. */
export function setAttribute(item: StateItem | undefined, name: string): ReadonlySet<string> {
  const value = item?.[name];
  return value instanceof Set ? value : EMPTY;
}
