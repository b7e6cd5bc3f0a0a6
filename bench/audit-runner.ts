/**
 * One process's share of the audit throughput figure (bench/audit.ts): reads the corpus (a JSON
 * array of SQS bodies) from a file, then for each round times JSON.parse of it (the baseline) and
 * the subject (audit-subject.ts) from the text and from parsed records, interleaved, and prints the
 * rounds as one JSON line. Run bundled with plain node, or as TypeScript under tsx: each yardstick
 * in a process of its own, as one copy of the code runs in Lambda (two copies of the pipeline in
 * one process slow each other in ways that depend on which was loaded first).
 *
 * `node <runner> <corpus.json> <rounds> <batch size>`
 */
import { readFileSync } from 'node:fs';
import { parseOnly, pipelineFromRecords, pipelineFromText } from './audit-subject';

const [corpusFile, rounds, batch] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(corpusFile!, 'utf8')) as string[];
const out = { parse: [] as number[], fromText: [] as number[], fromRecords: [] as number[], findings: 0, peakHeap: 0, peakRss: 0 };
const sample = (heap: number, rss: number) => {
  out.peakHeap = Math.max(out.peakHeap, heap);
  out.peakRss = Math.max(out.peakRss, rss);
};
for (let round = 0; round < Number(rounds); round += 1) {
  out.parse.push(parseOnly(corpus));
  const text = await pipelineFromText(corpus, Number(batch), sample);
  out.fromText.push(text.ms);
  out.fromRecords.push(await pipelineFromRecords(corpus, Number(batch)));
  out.findings = text.findings;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
