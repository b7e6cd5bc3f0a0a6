import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { resetClients } from '../shared/aws/clients';
import { DynamoDbAuditStore } from '../shared/aws/dynamodb-audit-store';
import { MemoryAuditStore } from '../shared/audit/memory-store';
import { planConsumerCheck } from '../shared/staleness/consumer-check';
import { DEFAULT_CONSUMER_SETTINGS, type ConsumerSettings } from '../shared/consumers/settings';
import type { AuditQuery, AuditStore } from '../shared/audit/store';
import type { SecretSummary } from '../shared/staleness/inventory';
import { normalised, readRecord, stageMoveRecord } from '../test/support/consumer-trail';
import { startCountingProxy } from './counting-proxy';
import { median } from './stats';
import { resourceNames } from '../shared/resource-names';

const CONSUMERS = 1_000;
/** Hourly reads before the change, per consumer. */
const READS_BEFORE = 8;
/** Consumers that re-read after the change; the rest are behind. */
const REFRESHED = 900;
/** Runs against the local AWS (its index queries scan the table: slow, and the box is shared). */
const WIRE_RUNS = 1;
/** Runs of the check in memory, where only keywarden's own work is timed. */
const MEMORY_RUNS = 9;
const TABLE = resourceNames('bench').tables.audit;
const SECRET = 'multitenant-ai-poc/tenant-1/orders-db';
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`;

/**
 * The freshness check of one secret with 1,000 consumers, against a local AWS's DynamoDB (the
 * audit table as deploy/audit.yml declares it), counted on the wire: audit-table Query calls per
 * check, and the check's time against the bare paging of the same Query (the floor any check
 * reading the window has to pay). The local AWS answers an index query by scanning its table, so
 * its times say more about moto than about the check: the same check is also timed over the same
 * records in memory, against the memory store's bare query, which isolates keywarden's own work.
 */
export async function printConsumerFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-consumers-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    Object.assign(process.env, localEnv(proxy.endpoint));
    resetClients();
    const client = new DynamoDBClient({ endpoint: proxy.endpoint });
    await createAuditTable(client);
    const store = new DynamoDbAuditStore(client, TABLE, 365);
    const now = new Date();
    // Four hours ago: past the hourly readers' grace (3 × their interval), so the 100 that did not re-read are behind.
    const change = new Date(now.getTime() - 4 * 3_600_000);
    const records = trail(change);
    await store.putNew(normalised(records));
    console.error(`bench consumers: ${records.length} audit records (${CONSUMERS} consumers, ${REFRESHED} refreshed)`);
    const secret: SecretSummary = { arn: ARN, name: SECRET, tags: {}, rotationEnabled: true, lastRotatedDate: change, lastChangedDate: change, versions: { v2: ['AWSCURRENT'] } };
    const deps = { audit: store, settings: DEFAULT_CONSUMER_SETTINGS };

    const window = { by: 'secret' as const, value: SECRET, since: new Date(now.getTime() - 7 * 86_400_000).toISOString(), until: now.toISOString(), limit: 10_000 };
    const wire = await timeCheck(store, secret, now, deps.settings, window, WIRE_RUNS, () => proxy.counts.get('DynamoDB_20120810.Query') ?? 0);
    const memory = new MemoryAuditStore();
    await memory.putNew(normalised(records));
    const inMemory = await timeCheck(memory, secret, now, deps.settings, window, MEMORY_RUNS, () => 0);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    console.log(`consumers: freshness check of one secret with ${CONSUMERS.toLocaleString('en')} consumers (${records.length.toLocaleString('en')} audit records in the window)`);
    console.log(`audit reads     ${wire.queries} Query (bySecret index) per check = ${wire.pages} Query calls on the wire (pages of at most 1,000 items / 1 MB); ${wire.behind} consumers found behind (expected ${CONSUMERS - REFRESHED})`);
    console.log(`local AWS       check ${ms(wire.check)} vs ${ms(wire.bare)} for the bare paging of the same Query (${(wire.check / wire.bare).toFixed(2)}x; ${WIRE_RUNS} run, moto scans the table for each page)`);
    console.log(`in memory       check ${ms(inMemory.check)} vs ${ms(inMemory.bare)} for the memory store's bare query of the same window (${(inMemory.check / inMemory.bare).toFixed(2)}x; median of ${MEMORY_RUNS}): the map and judgement cost ${ms(Math.max(0, inMemory.check - inMemory.bare))} for ${CONSUMERS.toLocaleString('en')} consumers`);
  } finally {
    await proxy.close();
    await stopServer(moto.pid);
  }
}

/** The check's time (median) and the bare query's, Query calls per check, consumers behind. */
async function timeCheck(store: AuditStore, secret: SecretSummary, now: Date, settings: ConsumerSettings, window: AuditQuery, runs: number, queryCalls: () => number) {
  const bare: number[] = [];
  const checks: number[] = [];
  let pages = 0;
  let queries = 0;
  let behind = 0;
  for (let run = 0; run < runs; run += 1) {
    let began = performance.now();
    await store.query(window);
    bare.push(performance.now() - began);
    const before = queryCalls();
    began = performance.now();
    const plan = await planConsumerCheck([secret], [], now, { audit: store, settings });
    checks.push(performance.now() - began);
    pages = queryCalls() - before;
    queries = plan.counts.queries;
    behind = plan.counts.behind;
  }
  return { bare: median(bare), check: median(checks), pages, queries, behind };
}

/** Each consumer read hourly before the change; the first REFRESHED read once after it. */
function trail(change: Date): unknown[] {
  const out: unknown[] = [];
  for (let c = 0; c < CONSUMERS; c += 1) {
    const role = `tenant-1-service-${c}`;
    for (let r = READS_BEFORE; r >= 1; r -= 1) out.push(readRecord(SECRET, role, new Date(change.getTime() - r * 3_600_000 + c * 1000)));
    if (c < REFRESHED) out.push(readRecord(SECRET, role, new Date(change.getTime() + 30 * 60_000 + c * 1000)));
  }
  out.push(stageMoveRecord(SECRET, 'v2', change));
  return out;
}

async function createAuditTable(client: DynamoDBClient): Promise<void> {
  const S = 'S' as const;
  const index = (name: string, key: string) => ({ IndexName: name, KeySchema: [{ AttributeName: key, KeyType: 'HASH' as const }, { AttributeName: 'timeId', KeyType: 'RANGE' as const }], Projection: { ProjectionType: 'ALL' as const } });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['eventId', 'part', 'timeId', 'secretName', 'principalKey', 'tenant'].map((AttributeName) => ({ AttributeName, AttributeType: S })),
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }, { AttributeName: 'part', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [index('bySecret', 'secretName'), index('byPrincipal', 'principalKey'), index('byTenant', 'tenant')],
    }),
  );
}
