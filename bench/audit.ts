import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

const ROOT = join(import.meta.dirname, '..');
const EVENTS = 100_000;
const BATCH = 1000;
const ROUNDS = 9;
/** Issue 12: no worse than the 0.71x measured before issue 13 added detectors (which set 0.5). */
const RATIO_TARGET = 0.71;
const WRITES_TARGET = 20;
/** Events sent through the built bundle against the local AWS for the write count. */
const WIRE_EVENTS = 10_000;
const WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];

type Subject = typeof tsxSubject;

/**
 * The timed code (bench/audit-subject.ts) built as the function bundles are built
 * (scripts/bundle-options.mjs: bundled, minified, for Node 22), in a temporary folder.
 *
 * Why two yardsticks: Lambda runs the esbuild bundle, not TypeScript through tsx. tsx keeps
 * function names (esbuild's keepNames), so every function created at run time (closures, arrow
 * callbacks) also defines a `name` property, and it does not minify: code that makes functions on
 * the hot path costs more under tsx than as shipped. The headline ratio is the bundled one, the
 * code that ships; the tsx one (the yardstick until issue 12's throughput work) is printed beside
 * it so the change of yardstick stays visible.
 */
async function bundledSubject(sharedFrom = ROOT): Promise<{ subject: Subject; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-audit-'));
  const outfile = join(dir, 'audit-subject.mjs');
  const entry = join(import.meta.dirname, 'audit-subject.ts');
  // The subject's own imports of shared/ come from `sharedFrom` (another checkout for a baseline).
  const sharedRoot: Plugin = {
    name: 'shared-root',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\.\/shared\// }, ({ path, importer }) => {
        if (importer !== entry) return undefined;
        const file = join(sharedFrom, path.slice('../'.length));
        return { path: existsSync(`${file}.ts`) ? `${file}.ts` : join(file, 'index.ts') };
      });
    },
  };
  await build({ ...SHIPPED_CODE_OPTIONS, entryPoints: [entry], outfile, absWorkingDir: ROOT, nodePaths: [join(ROOT, 'node_modules')], plugins: [sharedRoot], logLevel: 'warning' });
  // esbuild's service (a child process the API talks to) is not left running beside the timed rounds.
  await stop();
  const subject = (await import(pathToFileURL(outfile).href)) as Subject;
  return { subject, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * KEYWARDEN_BENCH_BASELINE: another checkout (say, the parent commit's), whose shared/ code is
 * bundled the same way and timed in the same rounds, interleaved, so a change is compared on the
 * same load.
 */
const BASELINE = process.env.KEYWARDEN_BENCH_BASELINE?.trim() || undefined;

/** Per round: the parse baseline's time and, per subject, the time and ratio of both passes. */
interface Rounds {
  parse: number[];
  fromText: number[];
  fromRecords: number[];
  textRatio: number[];
  recordRatio: number[];
}

const emptyRounds = (): Rounds => ({ parse: [], fromText: [], fromRecords: [], textRatio: [], recordRatio: [] });

/**
 * The audit figures:
 * 1. throughput of normalisation plus every detector (state in memory) over 100,000 events, as a
 *    ratio to plain JSON.parse of the same corpus, measured interleaved in the same run (median of
 *    7 rounds, with the spread): once from the SQS message text (the parse included, as the
 *    function runs) and once from parsed records (the parse both share left out); each for the
 *    code as bundled for Lambda (the headline) and as run by tsx;
 * 2. peak memory of that run;
 * 3. DynamoDB write calls per 1,000 events, counted on the wire between the built audit bundle and
 *    the local AWS, in 1,000-event batches as the audit queue delivers them.
 */
export async function printAuditFigures(): Promise<void> {
  const corpus = auditCorpus({ events: EVENTS });
  const megabytes = corpus.reduce((sum, body) => sum + body.length, 0) / 1e6;
  console.log(`\n== audit: normalisation + all ${detectors.length} detectors (state in memory), ${EVENTS.toLocaleString('en')} events (${megabytes.toFixed(0)} MB of EventBridge events), ${BATCH}-event batches`);
  if (BASELINE) console.log(`baseline: the shared/ code of ${BASELINE}, bundled the same way`);
  const bundled = await bundledSubject();
  const baseline = BASELINE ? await bundledSubject(BASELINE) : undefined;
  const subjects = [
    { label: 'bundled as shipped', subject: bundled.subject, rounds: emptyRounds() },
    { label: 'under tsx', subject: tsxSubject as Subject, rounds: emptyRounds() },
  ];
  if (baseline) subjects.push({ label: 'baseline, bundled', subject: baseline.subject, rounds: emptyRounds() });
  const parseRounds: number[] = [];
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  let peakRss = process.memoryUsage().rss;
  let findings = 0;
  const sample = (heap: number, rss: number) => {
    peakHeap = Math.max(peakHeap, heap);
    peakRss = Math.max(peakRss, rss);
  };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const parse = tsxSubject.parseOnly(corpus);
      parseRounds.push(parse);
      // Alternate the order, so no subject always runs on another's garbage.
      for (const { subject, rounds } of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const text = await subject.pipelineFromText(corpus, BATCH, sample);
        const records = await subject.pipelineFromRecords(corpus, BATCH);
        findings = text.findings;
        rounds.parse.push(parse);
        rounds.fromText.push(text.ms);
        rounds.fromRecords.push(records);
        rounds.textRatio.push(parse / text.ms);
        rounds.recordRatio.push(parse / records);
      }
    }
  } finally {
    bundled.dispose();
    baseline?.dispose();
  }
  const rate = (ms: number) => `${Math.round(EVENTS / (ms / 1000)).toLocaleString('en')} events/s`;
  // Every round's ratio, in order: the spread shows the box's noise, the order any drift.
  const spread = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(' ');
  console.log(`JSON.parse alone:                           ${median(parseRounds).toFixed(0)} ms CPU = ${rate(median(parseRounds))} (median of ${ROUNDS} rounds, process CPU time; rounds ${spread(parseRounds, 0)} ms)`);
  for (const { label, rounds } of subjects) {
    const headline = subjects[0]!.rounds === rounds;
    console.log(
      `normalise + detect, from parsed records, ${label.padEnd(18)}: ${median(rounds.fromRecords).toFixed(0)} ms CPU = ${rate(median(rounds.fromRecords))} = ${median(rounds.recordRatio).toFixed(2)} x JSON.parse throughput (rounds ${spread(rounds.recordRatio, 2)})${headline ? ` (target >= ${RATIO_TARGET})` : ''}`,
    );
  }
  for (const { label, rounds } of subjects) {
    console.log(
      `parse + normalise + detect, from SQS text, ${label.padEnd(18)}: ${median(rounds.fromText).toFixed(0)} ms CPU = ${rate(median(rounds.fromText))} = ${median(rounds.textRatio).toFixed(2)} x JSON.parse throughput (rounds ${spread(rounds.textRatio, 2)}; the whole function body's work, the parse in both)`,
    );
  }
  console.log(`findings raised per pass: ${findings}`);
  // Forced collections would change the timed rounds' garbage collection, so memory kept is measured in a pass of its own.
  const corpusHeap = collectedHeap();
  const live = await liveMemory(corpus);
  console.log(
    `memory: peak live heap of the pipeline ${(live.peak / 1e6).toFixed(1)} MB above the ${(corpusHeap / 1e6).toFixed(0)} MB corpus (a batch in flight, the state, the caches; after full collections), ` +
      `kept after the pass ${(live.kept / 1e6).toFixed(1)} MB; during the timed rounds V8 let the heap reach ${(peakHeap / 1e6).toFixed(0)} MB and RSS ${(peakRss / 1e6).toFixed(0)} MB (uncollected garbage; no memory limit set)`,
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
    const created = await createResources({ Resources: { ...findings.resources, ...audit.resources } }, { stackName: `keywarden-${stage}` });
    const ctx = { ...localContext(`keywarden-${stage}`), resources: created.values };
    Object.assign(process.env, resolveValue(audit.environment, ctx) as Record<string, string>, {
      KEYWARDEN_STAGE: stage,
      KEYWARDEN_FINDINGS_BUS: `keywarden-${stage}`,
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
