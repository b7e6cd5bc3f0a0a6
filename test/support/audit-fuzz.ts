import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient, TransactWriteItemsCommand, AttributeValue } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { parseFinding } from '../../shared/finding';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { EventBridgeFindingPublisher, entryBytes } from '../../shared/aws/eventbridge-finding-publisher';
import { processAuditBatch, type AuditBatchResult, type AuditPipelineDeps, type RejectedMessage } from '../../shared/detection/process-audit-batch';
import { fixedClock } from '../../shared/clock';
import { detectionConfigFromEnv } from '../../shared/detection/config';
import { detectors } from '../../shared/detection/detectors';
import { MemoryDetectorState } from '../../shared/detection/memory-state';
import { envelope } from './cloudtrail-records';
import { prng } from './prng';

/**
 * The audit fuzz run, shared by the unit test (a few thousand records) and `bench/audit-fuzz.ts`
 * (a hundred thousand): seeds are real Secrets Manager records (the detector samples, and the
 * Stratus Red Team detonations when they sit beside the repository), mutated as an attacker
 * would write them, then run through processAuditBatch with the real DynamoDB audit store and
 * EventBridge publisher over clients that enforce DynamoDB's and EventBridge's limits.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const STRATUS = join(ROOT, '..', 'shared', 'datasets', 'stratus-red-team');
const SAMPLES = join(ROOT, 'test', 'unit', 'detection', 'samples');

/** Every Secrets Manager record we have. */
export function fuzzSeeds(): Array<Record<string, unknown>> {
  const stratus = (existsSync(STRATUS) ? readdirSync(STRATUS) : [])
    .filter((f) => f.includes('secretsmanager'))
    .flatMap((f) => JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as Array<Record<string, unknown>>);
  const samples = readdirSync(SAMPLES).flatMap((f) =>
    (JSON.parse(readFileSync(join(SAMPLES, f), 'utf8')) as { cases: Array<{ records?: Array<Record<string, unknown>>; batches?: Array<Array<Record<string, unknown>>> }> }).cases.flatMap((c) => c.records ?? c.batches?.flat() ?? []),
  );
  return [...stratus, ...samples];
}

const ALPHABETS = ['abcXYZ/_+=.@-0123456789', '\u0000\u0001\u0007\u001b\u007f\u0085\u2028\u2029', 'éüßøå中文字日本語한국어', '😀🔑🗝️', '\ud800\udfff\udc00', '<!channel>*_~`|&<>"\'\\', 'arn:aws:secretsmanager:us-east-1:999999999999:secret:'];

/** A hostile string: up to 5,000 characters of control characters, unicode, half surrogate pairs, markup or ARNs. */
export function hostileString(random: () => number): string {
  const alphabet = ALPHABETS[Math.floor(random() * ALPHABETS.length)]!;
  const chars = [...alphabet];
  const length = random() < 0.5 ? Math.floor(random() * 64) : Math.floor(random() * 5000);
  let out = '';
  for (let i = 0; i < length; i += 1) out += chars[Math.floor(random() * chars.length)];
  return out;
}

function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { nested: value };
  return value;
}

function oddValue(random: () => number): unknown {
  const roll = Math.floor(random() * 12);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1);
    case 2:
      return random() < 0.5;
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return deep(1 + Math.floor(random() * 400));
    case 6:
      return Array.from({ length: Math.floor(random() * 40) }, () => hostileString(random));
    case 7:
      return { __proto__: { polluted: true }, constructor: 'x' };
    default:
      return hostileString(random);
  }
}

/** Every [parent, key] place in a parsed JSON tree, depth first: what a mutation may change. */
export function fieldPaths(root: unknown): Array<[Record<string, unknown> | unknown[], string | number]> {
  const paths: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        paths.push([node, i]);
        walk(child);
      });
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        paths.push([node as Record<string, unknown>, key]);
        walk(child);
      }
    }
  };
  walk(root);
  return paths;
}

/** A seed with one to three of its fields deleted, retyped or replaced by hostile text. */
export function mutateRecord(seed: Record<string, unknown>, random: () => number): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(seed)) as Record<string, unknown>;
  const paths = fieldPaths(copy);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits && paths.length > 0; e += 1) {
    const [parent, key] = paths[Math.floor(random() * paths.length)]!;
    if (random() < 0.2) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string, unknown>)[key as string] = oddValue(random);
  }
  // Unique ids, so every record is a new event (a duplicate would hide a failure as "already stored").
  if (typeof copy.eventID === 'string' && random() < 0.9) copy.eventID = `${copy.eventID}-${Math.floor(random() * 2 ** 48)}`;
  return copy;
}

/** One fuzzed message body: a mutated record (as an event or text), a truncated one, or bytes. */
export function fuzzedBody(seeds: ReadonlyArray<Record<string, unknown>>, random: () => number): unknown {
  const seed = seeds[Math.floor(random() * seeds.length)]!;
  const roll = random();
  if (roll < 0.6) return JSON.stringify(envelope(mutateRecord(seed, random)));
  if (roll < 0.8) return envelope(mutateRecord(seed, random));
  if (roll < 0.9) return JSON.stringify(envelope(seed)).slice(0, Math.floor(random() * 400));
  return Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))).toString('latin1');
}

/** Thrown by the fake services when a request breaks a limit the real service enforces. */
export class ServiceLimitError extends Error {
  override name = 'ValidationException';
}

function utf8(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function itemBytes(item: Record<string, AttributeValue>): number {
  let n = 0;
  for (const [name, value] of Object.entries(item)) n += utf8(name) + (value.S !== undefined ? utf8(value.S) : value.N !== undefined ? value.N.length : 16);
  return n;
}

/** DynamoDB, as far as its limits go: keys, items, transactions. Writes succeed when within them. */
export function dynamoDbWithLimits(violations: string[]): DynamoDBClient {
  return {
    send: async (command: TransactWriteItemsCommand) => {
      const items = command.input.TransactItems ?? [];
      const problem = (what: string) => {
        violations.push(what);
        throw new ServiceLimitError(what);
      };
      if (items.length > 100) problem(`a transaction of ${items.length} items`);
      let total = 0;
      for (const { Put } of items) {
        if (!Put?.Item) continue;
        const item = Put.Item;
        if (utf8(item.eventId!.S!) > 2048) problem('eventId over 2,048 bytes');
        if (utf8(item.part!.S!) > 1024) problem('part over 1,024 bytes');
        if (utf8(item.timeId!.S!) > 1024) problem('timeId over 1,024 bytes');
        for (const key of ['secretName', 'principalKey', 'tenant']) if (item[key]?.S !== undefined && utf8(item[key].S) > 2048) problem(`${key} over 2,048 bytes`);
        const bytes = itemBytes(item);
        if (bytes > 400 * 1024) problem('an item over 400 KB');
        total += bytes;
      }
      if (total > 4 * 1024 * 1024) problem('a transaction over 4 MB');
      return {};
    },
  } as unknown as DynamoDBClient;
}

/** EventBridge, as far as PutEvents' limits go. Counts requests and entries. */
export function eventBridgeWithLimits(violations: string[], sent: { requests: number; entries: number }): EventBridgeClient {
  return {
    send: async (command: PutEventsCommand) => {
      const entries = command.input.Entries ?? [];
      if (entries.length > 10) violations.push('more than 10 entries');
      if (entries.reduce((n, e) => n + entryBytes(e), 0) > 256 * 1024) violations.push('a request over 256 KB');
      for (const entry of entries) {
        parseFinding(JSON.parse(entry.Detail!));
        for (const arn of entry.Resources ?? []) if (!arn.startsWith('arn:aws:secretsmanager:us-east-1:123456789012:secret:')) violations.push(`Resources holds ${arn.slice(0, 80)}`);
      }
      sent.requests += 1;
      sent.entries += entries.length;
      return { Entries: entries.map(() => ({ EventId: 'e' })), FailedEntryCount: 0 };
    },
  } as unknown as EventBridgeClient;
}

/** What a fuzz run saw. */
export interface FuzzRun {
  messages: number;
  stored: number;
  skipped: number;
  deadLettered: RejectedMessage[];
  /** Batches that failed (result.error): none is the goal. */
  errors: unknown[];
  /** Messages the function would have SQS retry: none is the goal. */
  retried: number;
  /** Service limits a request broke: none is the goal. */
  violations: string[];
  findings: number;
  published: { requests: number; entries: number };
  /** Messages in no outcome at all (neither stored, duplicate, skipped nor dead-lettered). */
  unaccounted: number;
}

/** Runs `count` fuzzed messages in batches of `batchSize` through the audit use case. */
export async function runAuditFuzz(count: number, seed: number, batchSize = 500): Promise<FuzzRun> {
  const random = prng(seed);
  const seeds = fuzzSeeds();
  const violations: string[] = [];
  const published = { requests: 0, entries: 0 };
  const deadLettered: RejectedMessage[] = [];
  const deps: AuditPipelineDeps = {
    store: new DynamoDbAuditStore(dynamoDbWithLimits(violations), 'audit', 365, { counterTable: 'state' }),
    state: new MemoryDetectorState(),
    publisher: new EventBridgeFindingPublisher(eventBridgeWithLimits(violations, published), 'keywarden-ci', { partition: 'aws', region: 'us-east-1', accountId: '123456789012' }),
    deadLetters: {
      send: async (rejected) => {
        deadLettered.push(...rejected);
        return new Set();
      },
    },
    config: detectionConfigFromEnv({ KEYWARDEN_STAGE: 'ci', KEYWARDEN_ACCOUNT_ID: '123456789012', KEYWARDEN_DECOY_NAME_PATTERN: 'decoy' }),
    detectors,
    clock: fixedClock('2024-05-01T12:00:00Z'),
  };
  const run: FuzzRun = { messages: count, stored: 0, skipped: 0, deadLettered, errors: [], retried: 0, violations, findings: 0, published, unaccounted: 0 };
  for (let start = 0; start < count; start += batchSize) {
    const messages = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => ({ id: `m-${start + i}`, body: fuzzedBody(seeds, random) }));
    let result: AuditBatchResult;
    try {
      result = await processAuditBatch(messages, deps);
    } catch (error) {
      run.errors.push(error);
      continue;
    }
    if (result.error) run.errors.push(result.error);
    run.stored += result.stored;
    run.skipped += result.skipped;
    run.retried += result.failedIds.length;
    run.findings += result.findings.length;
    run.unaccounted += result.received - result.stored - result.duplicates - result.skipped - result.rejected.length;
  }
  return run;
}
