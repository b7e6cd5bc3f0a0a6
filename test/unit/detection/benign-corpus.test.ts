import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { benignCorpus, corpusAttacks, CORPUS_ACCOUNT, esoHarvestBesideItsSync, sortByTime } from '../../support/benign-corpus';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

/**
 * Issue 13's corpus: two weeks of an ordinary account (tenant apps, External Secrets Operator, the
 * Secrets Manager Agent, the Lambda extension, Terraform plans, keywarden's own rotations and
 * scans, an admin in the console) raise nothing; each attack inserted into the second week is
 * caught by its rule exactly once. The learning period is the first week, so the second is judged.
 */
const ENV = { KEYWARDEN_ACCOUNT_ID: CORPUS_ACCOUNT, KEYWARDEN_LEARNING_DAYS: '7' };
const START = '2024-06-01T00:00:00Z';
const END = '2024-06-15T00:00:00Z';
const BATCH = 1000;

async function replay(records: ReadonlyArray<Record<string, unknown>>): Promise<Finding[]> {
  const pipeline = memoryPipeline(ENV, { now: END });
  for (let i = 0; i < records.length; i += BATCH) {
    const result = await pipeline.run(records.slice(i, i + BATCH));
    expect(result.error).toBeUndefined();
    expect(result.rejected).toEqual([]);
  }
  return pipeline.published;
}

const summary = (findings: readonly Finding[]) => findings.map((f) => `${f.ruleId} ${f.principal?.arn}`).sort();

describe('the 14-day benign corpus', () => {
  const corpus = benignCorpus({ start: START, days: 14 });

  it('is a busy fortnight of every kind of automation', () => {
    expect(corpus.length).toBeGreaterThan(30_000);
    const names = new Set(corpus.map((r) => r.eventName));
    for (const name of ['GetSecretValue', 'BatchGetSecretValue', 'DescribeSecret', 'ListSecrets', 'PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage', 'RotationSucceeded']) expect(names).toContain(name);
  });

  it('raises no finding', async () => {
    expect(summary(await replay(corpus))).toEqual([]);
  }, 60_000);

  it('catches each attack inserted into its second week exactly once, by its rule, naming its principal', async () => {
    const attacks = corpusAttacks('2024-06-11T03:00:00Z');
    expect(attacks).toHaveLength(8);
    const findings = await replay(sortByTime([...corpus, ...attacks.flatMap((a) => a.records)]));
    for (const attack of attacks) {
      const caught = findings.filter((f) => f.ruleId === attack.ruleId && f.principal?.arn === attack.principal);
      expect(caught.map((f) => f.title), attack.name).toHaveLength(1);
    }
    // And nothing else: no other rule fires on the attacks, no benign principal is caught beside them.
    expect(summary(findings)).toEqual(attacks.map((a) => `${a.ruleId} ${a.principal}`).sort());
  }, 60_000);

  it('attack: a sweep by the External Secrets Operator role in the minute after its sync is caught as harvesting, not taken for the schedule', async () => {
    const attack = esoHarvestBesideItsSync('2024-06-12T05:00:00Z');
    const findings = await replay(sortByTime([...corpus, ...attack.records]));
    const caught = findings.filter((f) => f.ruleId === attack.ruleId && f.principal?.arn === attack.principal);
    expect(caught).toHaveLength(1);
    // The schedule's own 13 secrets are not what it counts: the 12 tenant secrets are.
    expect(caught[0]!.evidence?.distinctSecrets).toBe(12);
  }, 60_000);

  it('still catches an attack inserted alone (each is caught on its own merits, not by contrast with the others)', async () => {
    for (const attack of corpusAttacks('2024-06-12T05:00:00Z')) {
      const findings = await replay(sortByTime([...corpus, ...attack.records]));
      expect(findings.filter((f) => f.ruleId === attack.ruleId).map((f) => f.principal?.arn), attack.name).toEqual([attack.principal]);
    }
  }, 240_000);
});
