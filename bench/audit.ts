import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { build, stop, type Plugin } from 'esbuild';
import { parse as parseYaml, type Tags } from 'yaml';
import { invokeBundle } from '../cli/bundles';
import { localEnv } from '../cli/local/env';
import { createResources } from '../cli/local/resources';
import { localContext, resolveValue } from '../cli/local/resolve';
import { startServer, stopServer } from '../cli/local/server';
import type { CfnTemplate } from '../cli/local/template';
import { ensureVenv } from '../cli/local/venv';
import { resetClients } from '../shared/aws/clients';
import type { AuditRecord } from '../shared/audit/record';
import { detectors } from '../shared/detection/detectors';
import { SHIPPED_CODE_OPTIONS } from '../scripts/bundle-options.mjs';
import { auditCorpus } from './audit-corpus';
import * as tsxSubject from './audit-subject';
import { startCountingProxy } from './counting-proxy';
import { collectedHeap, keptUntilHere, median } from './stats';
import { resourceNames } from '../shared/resource-names';

const ROOT = join(import.meta.dirname, '..');
const EVENTS = 100_000;
const BATCH = 1000;
/** Issue 12: no worse than the 0.71x measured before issue 13 added detectors (which set 0.5). */
const RATIO_TARGET = 0.71;
const WRITES_TARGET = 20;
/** Events sent through the built bundle against the local AWS for the write count. */
const WIRE_EVENTS = 10_000;
const WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];

/** Rounds each runner process times; each yardstick runs in BLOCKS processes, alternating with the others. */
const CHILD_ROUNDS = 3;
const BLOCKS = 3;

/**
 * The runner (bench/audit-runner.ts, which times bench/audit-subject.ts) built as the function
 * bundles are built (scripts/bundle-options.mjs: bundled, minified, for Node 22), in `dir`.
 *
 * Why two yardsticks: Lambda runs the esbuild bundle, not TypeScript through tsx. tsx keeps
 * function names (esbuild's keepNames), so every function created at run time (closures, arrow
 * callbacks) also defines a `name` property, and it does not minify: code that makes functions on
 * the hot path costs more under tsx than as shipped. The headline ratio is the bundled one, the
 * code that ships; the tsx one (the yardstick until issue 12's throughput work) is printed beside
 * it so the change of yardstick stays visible.
 */
async function bundledRunner(dir: string, name: string, sharedFrom = ROOT): Promise<string> {
  const outfile = join(dir, `${name}.mjs`);
  const subject = join(import.meta.dirname, 'audit-subject.ts');
  // The subject's own imports of shared/ come from `sharedFrom` (another checkout for a baseline).
  const sharedRoot: Plugin = {
    name: 'shared-root',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\.\/shared\// }, ({ path, importer }) => {
        if (importer !== subject) return undefined;
        const file = join(sharedFrom, path.slice('../'.length));
        return { path: existsSync(`${file}.ts`) ? `${file}.ts` : join(file, 'index.ts') };
      });
    },
  };
  await build({
    ...SHIPPED_CODE_OPTIONS,
    entryPoints: [join(import.meta.dirname, 'audit-runner.ts')],
    outfile,
    absWorkingDir: ROOT,
    nodePaths: [join(ROOT, 'node_modules')],
    plugins: [sharedRoot],
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * KEYWARDEN_BENCH_BASELINE: another checkout (say, the parent commit's), whose shared/ code is
 * bundled the same way and timed in the same run, its processes alternating with these, so a
 * change is compared on the same load.
 */
const BASELINE = process.env.KEYWARDEN_BENCH_BASELINE?.trim() || undefined;

/** What one runner process reports (audit-runner.ts). */
interface RunnerRounds {
  parse: number[];
  fromText: number[];
  fromRecords: number[];
  findings: number;
  peakHeap: number;
  peakRss: number;
}

function runRunner(args: string[], corpusFile: string): RunnerRounds {
  const run = spawnSync(process.execPath, [...args, corpusFile, String(CHILD_ROUNDS), String(BATCH)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`the audit bench runner exited with ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as RunnerRounds;
}

/**
 * The audit figures:
 * 1. throughput of normalisation plus every detector (state in memory) over 100,000 events, as a
 *    ratio to plain JSON.parse of the same corpus timed in the same process, round by round
 *    (median of 9 rounds, every round printed): once from the SQS message text (the parse
 *    included, as the function runs) and once from parsed records (the parse both share left out);
 *    each for the code as bundled for Lambda (the headline) and as run by tsx, each in processes
 *    of its own (3 rounds each), alternating;
 * 2. peak memory of that run;
 * 3. DynamoDB write calls per 1,000 events, counted on the wire between the built audit bundle and
 *    the local AWS, in 1,000-event batches as the audit queue delivers them.
 */
export async function printAuditFigures(): Promise<void> {
  const corpus = auditCorpus({ events: EVENTS });
  const megabytes = corpus.reduce((sum, body) => sum + body.length, 0) / 1e6;
  console.log(`\n== audit: normalisation + all ${detectors.length} detectors (state in memory), ${EVENTS.toLocaleString('en')} events (${megabytes.toFixed(0)} MB of EventBridge events), ${BATCH}-event batches`);
  if (BASELINE) console.log(`baseline: the shared/ code of ${BASELINE}, bundled the same way`);
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-audit-'));
  const subjects: Array<{ label: string; args: string[]; rounds: RunnerRounds[] }> = [];
  try {
    const corpusFile = join(dir, 'corpus.json');
    writeFileSync(corpusFile, JSON.stringify(corpus));
    subjects.push({ label: 'bundled as shipped', args: [await bundledRunner(dir, 'runner')], rounds: [] });
    subjects.push({ label: 'under tsx', args: ['--import', 'tsx', join(import.meta.dirname, 'audit-runner.ts')], rounds: [] });
    if (BASELINE) subjects.push({ label: 'baseline, bundled', args: [await bundledRunner(dir, 'baseline-runner', BASELINE)], rounds: [] });
    // esbuild's service (a child process the API talks to) is not left running beside the timed rounds.
    await stop();
    for (let block = 0; block < BLOCKS; block += 1) {
      // Alternate the order, so no yardstick always runs first in a block.
      for (const subject of block % 2 === 0 ? subjects : [...subjects].reverse()) subject.rounds.push(runRunner(subject.args, corpusFile));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const all = (subject: (typeof subjects)[number], pick: (r: RunnerRounds) => number[]) => subject.rounds.flatMap(pick);
  const ratios = (subject: (typeof subjects)[number], pick: (r: RunnerRounds) => number[]) => subject.rounds.flatMap((r) => pick(r).map((ms, i) => r.parse[i]! / ms));
  const rate = (ms: number) => `${Math.round(EVENTS / (ms / 1000)).toLocaleString('en')} events/s`;
  // Every round's ratio, in order: the spread shows the box's noise, the order any drift.
  const listed = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(' ');
  const parseRounds = subjects.flatMap((subject) => all(subject, (r) => r.parse));
  console.log(`JSON.parse alone:                           ${median(parseRounds).toFixed(0)} ms CPU = ${rate(median(parseRounds))} (median of ${parseRounds.length} rounds, each in the process of the ratio it serves; process CPU time)`);
  for (const subject of subjects) {
    const recordRatio = ratios(subject, (r) => r.fromRecords);
    const headline = subject === subjects[0];
    console.log(
      `normalise + detect, from parsed records, ${subject.label.padEnd(18)}: ${median(all(subject, (r) => r.fromRecords)).toFixed(0)} ms CPU = ${median(recordRatio).toFixed(2)} x JSON.parse throughput (median of ${recordRatio.length} rounds: ${listed(recordRatio, 2)})${headline ? ` (target >= ${RATIO_TARGET})` : ''}`,
    );
  }
  for (const subject of subjects) {
    const textRatio = ratios(subject, (r) => r.fromText);
    console.log(
      `parse + normalise + detect, from SQS text, ${subject.label.padEnd(18)}: ${median(all(subject, (r) => r.fromText)).toFixed(0)} ms CPU = ${median(textRatio).toFixed(2)} x JSON.parse throughput (rounds ${listed(textRatio, 2)}; the whole function body's work, the parse in both)`,
    );
  }
  console.log(`findings raised per pass: ${subjects.map((subject) => `${subject.label} ${subject.rounds[0]!.findings}`).join(', ')}`);
  const peakHeap = Math.max(...subjects.flatMap((subject) => subject.rounds.map((r) => r.peakHeap)));
  const peakRss = Math.max(...subjects.flatMap((subject) => subject.rounds.map((r) => r.peakRss)));
  // Forced collections would change the timed rounds' garbage collection, so memory kept is measured in a pass of its own.
  const corpusHeap = collectedHeap();
  const live = await liveMemory(corpus);
  console.log(
    `memory: peak live heap of the pipeline ${(live.peak / 1e6).toFixed(1)} MB above the ${(corpusHeap / 1e6).toFixed(0)} MB corpus (a batch in flight, the state, the caches; after full collections), ` +
      `kept after the pass ${(live.kept / 1e6).toFixed(1)} MB; during the timed rounds V8 let a runner's heap reach ${(peakHeap / 1e6).toFixed(0)} MB and RSS ${(peakRss / 1e6).toFixed(0)} MB (uncollected garbage; no memory limit set)`,
  );
  await printWireWrites(corpus.slice(0, WIRE_EVENTS));
}

/**
 * What the pipeline needs in memory: the live heap (after a full collection) while a batch is in
 * flight, every tenth batch, and what a whole pass keeps (its detector state, the caches), both
 * above the corpus itself.
 */
async function liveMemory(corpus: readonly string[]): Promise<{ peak: number; kept: number }> {
  const before = collectedHeap();
  const deps = tsxSubject.memoryDeps();
  let peak = 0;
  for (let start = 0; start < corpus.length; start += BATCH) {
    const batch: AuditRecord[] = [];
    for (let i = start; i < start + BATCH && i < corpus.length; i += 1) {
      const read = tsxSubject.normaliseCloudTrail(corpus[i], deps.config.tenancy);
      if (read.kind === 'record') batch.push(read.record);
    }
    const outcome = await tsxSubject.detect(batch, deps);
    if (start % (BATCH * 10) === 0) {
      peak = Math.max(peak, collectedHeap() - before);
      keptUntilHere([batch, outcome]);
    }
  }
  const kept = collectedHeap() - before;
  keptUntilHere(deps.state);
  return { peak: Math.max(peak, kept), kept };
}

/** deploy/<file>.yml as CloudFormation, for stage `stage` (serverless's own variables filled in). */
function deployFragment(file: string, stage: string): { resources: CfnTemplate['Resources']; environment: Record<string, unknown> } {
  const text = readFileSync(join(ROOT, 'deploy', file), 'utf8')
    .replaceAll('${sls:stage}', stage)
    // What deploy/member-accounts.cjs gives with its params empty (one account): no intake rule, no members.
    .replaceAll('${file(deploy/member-accounts.cjs):auditRuleArns}', "{ 'Fn::GetAtt': [AuditRule, Arn] }")
    .replaceAll('${file(deploy/member-accounts.cjs):auditMemberAccountsEnv}', "''");
  const tag = (name: string, fn: string) => ({ tag: `!${name}`, resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? value.split('.') : value }) });
  const customTags: Tags = [tag('Ref', 'Ref'), tag('Sub', 'Fn::Sub'), tag('GetAtt', 'Fn::GetAtt')];
  const doc = parseYaml(text, { customTags }) as { resources: { Resources: CfnTemplate['Resources'] }; functions?: Record<string, { environment?: Record<string, unknown> }> };
  return { resources: doc.resources.Resources, environment: doc.functions?.audit?.environment ?? {} };
}

async function printWireWrites(bodies: readonly string[]): Promise<void> {
  const stage = 'bench';
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(ROOT, '.keywarden', 'bench-audit-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    // The bundle builds its clients on first use: point them (and ours) at the proxy first.
    Object.assign(process.env, localEnv(proxy.endpoint));
    resetClients();
    const audit = deployFragment('audit.yml', stage);
    const findings = deployFragment('findings.yml', stage);
    const created = await createResources({ Resources: { ...findings.resources, ...audit.resources } }, { stackName: resourceNames(stage).stack });
    const ctx = { ...localContext(resourceNames(stage).stack), resources: created.values };
    Object.assign(process.env, resolveValue(audit.environment, ctx) as Record<string, string>, {
      KEYWARDEN_STAGE: stage,
      KEYWARDEN_FINDINGS_BUS: resourceNames(stage).findingsBus,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const queueArn = created.values.AuditQueue!.attributes.Arn!;
    proxy.counts.clear();
    const perBatch: number[] = [];
    let failures = 0;
    for (let start = 0; start < bodies.length; start += BATCH) {
      const before = writes(proxy.counts);
      const response = (await invokeBundle('audit', sqsEvent(bodies.slice(start, start + BATCH), start, queueArn))) as SQSBatchResponse;
      failures += response.batchItemFailures.length;
      perBatch.push(writes(proxy.counts) - before);
    }
    const total = writes(proxy.counts);
    const steady = perBatch.slice(1).reduce((sum, n) => sum + n, 0) / Math.max(1, perBatch.length - 1);
    const byOperation = [...proxy.counts].filter(([op]) => op.startsWith('DynamoDB_')).map(([op, n]) => `${op.replace('DynamoDB_20120810.', '')} ${n}`);
    const events = [...proxy.counts].filter(([op]) => op.startsWith('AWSEvents.')).reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `DynamoDB write calls per 1,000 events, on the wire (built bundle, local AWS, ${bodies.length.toLocaleString('en')} events in ${perBatch.length} batches): ` +
        `${((total / bodies.length) * 1000).toFixed(1)} (target <= ${WRITES_TARGET}); first batch ${perBatch[0]} (learning every principal and pair), then ${steady.toFixed(1)} per batch`,
    );
    console.log(`  DynamoDB calls: ${byOperation.join(', ')}; EventBridge PutEvents calls: ${events}; batch item failures: ${failures}`);
  } finally {
    await proxy.close();
    await stopServer(moto.pid);
  }
}

function writes(counts: Map<string, number>): number {
  let sum = 0;
  for (const [op, n] of counts) if (WRITE_OPERATIONS.some((w) => op === `DynamoDB_20120810.${w}`)) sum += n;
  return sum;
}

function sqsEvent(bodies: readonly string[], offset: number, queueArn: string): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `bench-${offset + i}`,
      receiptHandle: `bench-${offset + i}`,
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'bench', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}
