import type { SecretListEntry, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { scopesOf, type AccountScope, type AccountTarget } from '../shared/accounts';
import { AccountClients, sessionName, STALENESS_READ_ACTIONS } from '../shared/aws/account-clients';
import { packMetricData } from '../shared/aws/cloudwatch-metrics';
import { SecretsManagerInventory, SecretsManagerVersionCounter } from '../shared/aws/secrets-manager-inventory';
import type { Finding } from '../shared/finding';
import { MemoryFindingStateStore } from '../shared/staleness/finding-state';
import { runStalenessScan, type StalenessScanSummary } from '../shared/staleness/scan';
import { mapBounded } from '../shared/concurrency';
import { measure, median, type Measured } from './stats';
import { resourceNames } from '../shared/resource-names';

const ACCOUNTS = 10;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const PER_SCOPE = 1_000;
/** Every secret of us-east-1 is replicated to eu-west-1: those entries are replicas there. */
const REPLICATED_EVERY = 10;
/** Secrets changed within the last day (the only ones the version watch counts). */
const CHURNING_EVERY = 50;
/** A round trip to the service, simulated per call, so concurrency shows as it would against AWS. */
const LATENCY_MS = Number(process.env.KEYWARDEN_BENCH_LATENCY_MS ?? 15);
const CONCURRENCY = 4;
const RUNS = 3;
const NOW = new Date('2026-12-01T12:00:00Z');
const DAY_MS = 86_400_000;

/**
 * Staleness over 10 accounts × 3 regions × 1,000 secrets (30,000 list entries). moto at that scale
 * (30,000 secrets created through its server, in ten accounts) takes far longer than the scan,
 * so the AWS boundary is a counting fake: the SDK clients' `send` answers ListSecrets (100 a
 * page), ListSecretVersionIds and AssumeRole from an in-memory inventory after a simulated
 * round trip of 15 ms, while everything above it is keywarden's own code: the ListSecrets adapter,
 * the account clients (one AssumeRole per member account and session), the bounded scope
 * listing, replica folding, the version watch, assessment, metrics packing and finding planning.
 * The baseline, in the same run: the bare paging of the same inventory through the same fake,
 * one scope after another and with the same concurrency.
 */
export async function printStalenessAccountsFigures(): Promise<void> {
  const targets: AccountTarget[] = Array.from({ length: ACCOUNTS }, (_, i) => {
    const accountId = String(100000000000 + i);
    return { accountId, roleArn: `arn:aws:iam::${accountId}:role/keywarden-member/${resourceNames('bench').memberAccount.readerRole}`, externalId: `bench-${i}-external-id`, regions: REGIONS };
  });
  const scopes = scopesOf(targets);
  const inventory = new Map(scopes.map((s) => [key(s), entriesOf(s)]));
  const replicas = [...inventory.values()].flat().filter((e) => e.PrimaryRegion).length;

  const bareSequential: number[] = [];
  const bareBounded: Array<Measured<number>> = [];
  const scans: Array<Measured<StalenessScanSummary>> = [];
  let calls = new Calls();
  for (let run = 0; run < RUNS; run += 1) {
    bareSequential.push((await measure(() => barePaging(scopes, inventory, 1))).ms);
    bareBounded.push(await measure(() => barePaging(scopes, inventory, CONCURRENCY)));
    calls = new Calls();
    scans.push(await measure(() => scan(scopes, inventory, calls)));
  }
  const summary = scans[0]!.result;
  const minimumList = scopes.length * Math.ceil(PER_SCOPE / 100);
  const scanMs = median(scans.map((s) => s.ms));
  const seqMs = median(bareSequential);
  const boundedMs = median(bareBounded.map((b) => b.ms));

  console.log(`\n== Staleness over ${ACCOUNTS} accounts × ${REGIONS.length} regions × ${PER_SCOPE.toLocaleString('en')} secrets (counting fake of the AWS boundary, ${LATENCY_MS} ms a call; concurrency ${CONCURRENCY})`);
  console.log(
    `API calls      ListSecrets ${calls.list} (minimum ${minimumList}: one per 100 secrets per account and region); AssumeRole ${calls.assume} (one per member account); ` +
      `ListSecretVersionIds ${calls.versions} (the ${summary.versions.calls} secrets changed within 24 h, of ${summary.secrets + summary.replicas}); PutMetricData ${summary.metrics.calls}`,
  );
  console.log(`inventory      ${summary.secrets} secrets assessed, ${summary.replicas} replicas folded under their primaries (${replicas} in the inventory), ${summary.accounts.reached} of ${summary.accounts.scopes} account-regions read`);
  console.log(
    `wall time      bare paging one scope after another ${(seqMs / 1000).toFixed(2)} s, with ${CONCURRENCY} at once ${(boundedMs / 1000).toFixed(2)} s (median of ${RUNS}); ` +
      `scan ${(scanMs / 1000).toFixed(2)} s = ${(scanMs / boundedMs).toFixed(2)}x the bounded paging, ${(scanMs / seqMs).toFixed(2)}x the sequential`,
  );
  console.log(
    `peak memory    bare paging: RSS ${mb(median(bareBounded.map((b) => b.peakRss)))}, heap +${mb(median(bareBounded.map((b) => b.heapGrowth)))}; ` +
      `scan: RSS ${mb(median(scans.map((s) => s.peakRss)))}, heap +${mb(median(scans.map((s) => s.heapGrowth)))}`,
  );
}

class Calls {
  list = 0;
  assume = 0;
  versions = 0;
}

function key(scope: Pick<AccountScope, 'accountId' | 'region'>): string {
  return `${scope.accountId}/${scope.region}`;
}

/** One scope's ListSecrets entries: policies by name, a tenth replicated from us-east-1 into eu-west-1, a fiftieth changed within the day. */
function entriesOf(scope: AccountScope): SecretListEntry[] {
  return Array.from({ length: PER_SCOPE }, (_, i) => {
    const replicated = i % REPLICATED_EVERY === 0;
    const isReplica = replicated && scope.region === 'eu-west-1';
    const name = isReplica ? `bench/tenant-${i % 7}/db-password-${i}` : `bench/tenant-${i % 7}/${scope.region}-${i % 3 === 0 ? 'db-password' : 'api-key'}-${i}`;
    const region = scope.region;
    const changed = new Date(NOW.getTime() - (i % CHURNING_EVERY === 0 ? 0.2 : 20 + (i % 200)) * DAY_MS);
    const entry: SecretListEntry = {
      ARN: `arn:aws:secretsmanager:${region}:${scope.accountId}:secret:${name}-AbCdEf`,
      Name: name,
      CreatedDate: new Date(NOW.getTime() - 400 * DAY_MS),
      LastChangedDate: changed,
      LastAccessedDate: new Date(NOW.getTime() - (i % 120) * DAY_MS),
      RotationEnabled: i % 4 !== 0,
      Tags: [{ Key: 'team', Value: `t-${i % 5}` }],
      SecretVersionsToStages: { [`v-${i}`]: ['AWSCURRENT'] },
    };
    if (isReplica) entry.PrimaryRegion = 'us-east-1';
    return entry;
  });
}

/** A client of one scope: `send` answers after a round trip, counted. */
function fakeClient(entries: SecretListEntry[], calls: Calls, before?: () => Promise<unknown>): SecretsManagerClient {
  return {
    send: async (command: { constructor: { name: string }; input: { NextToken?: string; MaxResults?: number } }) => {
      await before?.();
      await sleep(LATENCY_MS);
      if (command.constructor.name === 'ListSecretsCommand') {
        calls.list += 1;
        const start = Number(command.input.NextToken ?? 0);
        const end = start + (command.input.MaxResults ?? 100);
        return { SecretList: entries.slice(start, end), NextToken: end < entries.length ? String(end) : undefined };
      }
      calls.versions += 1;
      return { Versions: Array.from({ length: 3 }, (_, i) => ({ VersionId: `v${i}` })) };
    },
  } as unknown as SecretsManagerClient;
}

async function scan(scopes: AccountScope[], inventory: Map<string, SecretListEntry[]>, calls: Calls): Promise<StalenessScanSummary> {
  const sts = {
    send: async () => {
      calls.assume += 1;
      await sleep(LATENCY_MS);
      return { Credentials: { AccessKeyId: 'ASIABENCH', SecretAccessKey: 'bench-secret-access-key', SessionToken: 'bench-session-token', Expiration: new Date(Date.now() + 900_000) } };
    },
  } as unknown as STSClient;
  const clients = new AccountClients(sts, { sessionName: sessionName('bench', 'staleness'), actions: STALENESS_READ_ACTIONS }, 'home-region-not-scanned');
  const published: Finding[] = [];
  let metricCalls = 0;
  return runStalenessScan({
    accounts: {
      scopes,
      concurrency: CONCURRENCY,
      sourceFor: (scope) => {
        // The SDK asks the scope's credential provider before its first call, as here.
        const client = fakeClient(inventory.get(key(scope))!, calls, () => clients.credentials(scope));
        return { inventory: new SecretsManagerInventory(client), versions: new SecretsManagerVersionCounter(client) };
      },
    },
    clock: { now: () => NOW },
    metrics: {
      put: async (data) => {
        const batches = packMetricData('Keywarden/bench/Staleness', data);
        metricCalls += batches.length;
        return { items: batches.reduce((sum, b) => sum + b.data.length, 0), calls: batches.length };
      },
    },
    findings: { publish: async (findings) => void published.push(...findings) },
    state: new MemoryFindingStateStore(),
    settings: { hygiene: 'off' },
  }).then((summary) => ({ ...summary, metrics: { ...summary.metrics, calls: metricCalls } }));
}

/** The floor: page through every scope's ListSecrets, 100 a call, keeping every entry, nothing else. */
async function barePaging(scopes: AccountScope[], inventory: Map<string, SecretListEntry[]>, concurrency: number): Promise<number> {
  const calls = new Calls();
  const kept: unknown[] = [];
  await mapBounded(scopes, concurrency, async (scope) => {
    const client = fakeClient(inventory.get(key(scope))!, calls);
    let token: string | undefined;
    do {
      const page = (await client.send({ constructor: { name: 'ListSecretsCommand' }, input: { MaxResults: 100, NextToken: token } } as never)) as { SecretList: unknown[]; NextToken?: string };
      kept.push(...page.SecretList);
      token = page.NextToken;
    } while (token);
  });
  return kept.length;
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}
