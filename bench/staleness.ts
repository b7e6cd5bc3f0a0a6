import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { invokeBundle } from '../cli/bundles';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { minimumCalls, packMetricData } from '../shared/aws/cloudwatch-metrics';
import { resetClients } from '../shared/aws/clients';
import { SecretsManagerInventory } from '../shared/aws/secrets-manager-inventory';
import { InventoryTally } from '../shared/staleness/figures';
import { AgeHistogram, buildMetrics } from '../shared/staleness/metrics';
import { parsePolicyOverrides } from '../shared/staleness/policies';
import { assessInventory, type StalenessScanSummary } from '../shared/staleness/scan';
import { inventoryPlan, PLAN_POLICIES } from '../test/support/staleness-inventory-plan';
import { createSecrets, DAY_MS, latestStamp } from '../test/support/secret-inventory';
import { startCountingProxy } from './counting-proxy';
import { measure, median, type Measured } from './stats';
import { resourceNames } from '../shared/resource-names';

const SECRETS = 10_000;
const RUNS = 3;
const NAMESPACE = 'Keywarden/bench/Staleness';

/**
 * The staleness scan of 10,000 secrets through the built bundle against a local AWS, counted on
 * the wire: wall time against the bare ListSecrets paging of the same inventory (the floor any
 * scan has to pay), ListSecrets calls against the minimum (10,000 / 100 per page), PutMetricData
 * calls against the minimum for the metrics sent, and peak memory of each.
 */
export async function printStalenessFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-staleness-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    Object.assign(process.env, localEnv(proxy.endpoint), {
      KEYWARDEN_STALENESS_TABLE: resourceNames('bench').tables.stalenessState,
      KEYWARDEN_FINDINGS_BUS: resourceNames('bench').findingsBus,
      KEYWARDEN_METRICS_NAMESPACE: NAMESPACE,
      KEYWARDEN_STALENESS_POLICIES: JSON.stringify(PLAN_POLICIES),
      KEYWARDEN_HYGIENE: 'off',
    });
    resetClients();
    await new DynamoDBClient({}).send(
      new CreateTableCommand({
        TableName: resourceNames('bench').tables.stalenessState,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'dedupKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'dedupKey', KeyType: 'HASH' }],
      }),
    );
    await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: resourceNames('bench').findingsBus }));

    const began = performance.now();
    await createSecrets(inventoryPlan(SECRETS, 60, 'bench'));
    console.log(`\n== Staleness scan of ${SECRETS} secrets (local AWS, built bundle; creating them took ${((performance.now() - began) / 1000).toFixed(0)} s)`);
    const asOf = new Date((await latestStamp()).getTime() + 60 * DAY_MS);

    const bare: Measured[] = [];
    const scans: Measured[] = [];
    let firstScan: (Measured & { summary: StalenessScanSummary; calls: Map<string, number> }) | undefined;
    for (let run = 0; run < RUNS; run += 1) {
      bare.push(await measure(() => listAll()));
      proxy.counts.clear();
      // The first scan of the day also sends every finding; later ones only metrics.
      const scan = await measure(async () => (await invokeBundle('staleness', { time: new Date(asOf.getTime() + run * 60_000).toISOString() }, { timeoutMs: 300_000 })) as StalenessScanSummary);
      if (run === 0) firstScan = { ...scan, summary: scan.result, calls: new Map(proxy.counts) };
      else scans.push(scan);
    }
    const calls = firstScan!.calls;
    const count = (op: string) => [...calls].filter(([k]) => k.endsWith(op)).reduce((sum, [, n]) => sum + n, 0);
    const summary = firstScan!.summary;
    const metricsMinimum = await metricsMinimumCalls(asOf);
    const bareMs = median(bare.map((m) => m.ms));
    const warmMs = median(scans.map((m) => m.ms));

    console.log(
      `wall time      bare ListSecrets paging ${(bareMs / 1000).toFixed(2)} s (median of ${RUNS}); ` +
        `scan ${(warmMs / 1000).toFixed(2)} s = ${(warmMs / bareMs).toFixed(2)}x the paging; ` +
        `first scan of the day (sends ${summary.findings.sent} findings) ${(firstScan!.ms / 1000).toFixed(2)} s = ${(firstScan!.ms / bareMs).toFixed(2)}x`,
    );
    console.log(`ListSecrets    ${count('.ListSecrets')} calls per scan (minimum ${Math.ceil(SECRETS / 100)}: 100 secrets a page)`);
    console.log(
      `PutMetricData  ${count('.PutMetricData')} call(s) per scan for ${summary.metrics.items} data items (minimum ${metricsMinimum.calls}: ` +
        `${metricsMinimum.bytes} bytes, limits 1000 items and 1 MB a call)`,
    );
    console.log(
      `findings       PutEvents ${count('.PutEvents')} calls for ${summary.findings.sent} findings (minimum ${Math.ceil(summary.findings.sent / 10)}); ` +
        `BatchWriteItem ${count('.BatchWriteItem')} calls for ${summary.findings.sent} records (minimum ${Math.ceil(summary.findings.sent / 25)})`,
    );
    console.log(
      `peak memory    bare paging: RSS ${mb(median(bare.map((m) => m.peakRss)))}, heap +${mb(median(bare.map((m) => m.heapGrowth)))}; ` +
        `scan: RSS ${mb(median(scans.map((m) => m.peakRss)))}, heap +${mb(median(scans.map((m) => m.heapGrowth)))} ` +
        `(first scan heap +${mb(firstScan!.heapGrowth)})`,
    );
  } finally {
    await proxy.close();
    await stopServer(moto.pid);
  }
}


/** The floor: page through ListSecrets, 100 a call, keeping every entry, doing nothing else. */
async function listAll(): Promise<number> {
  const client = new SecretsManagerClient({});
  const entries: unknown[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListSecretsCommand({ MaxResults: 100, NextToken: token }));
    entries.push(...(page.SecretList ?? []));
    token = page.NextToken;
  } while (token);
  client.destroy();
  return entries.length;
}

/** The fewest PutMetricData calls the scan's metric data could take, from the same inventory. */
async function metricsMinimumCalls(asOf: Date): Promise<{ calls: number; bytes: number }> {
  const { assessments } = await assessInventory(new SecretsManagerInventory(new SecretsManagerClient({})), asOf, {
    overrides: parsePolicyOverrides(JSON.stringify(PLAN_POLICIES)),
  });
  const tally = new InventoryTally();
  const ages = new AgeHistogram();
  for (const a of assessments) {
    tally.add(a);
    ages.add(a);
  }
  const batches = packMetricData(NAMESPACE, buildMetrics(tally, ages, asOf, false));
  return { calls: minimumCalls(NAMESPACE, batches), bytes: batches.reduce((sum, b) => sum + b.bytes, 0) };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}
