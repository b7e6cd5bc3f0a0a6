import { describe, expect, it } from 'vitest';
import type { AccountScope } from '../../../shared/accounts';
import { ScopeAccessError } from '../../../shared/aws/account-clients';
import { SecretsStoreError } from '../../../shared/errors';
import { assessSecret } from '../../../shared/staleness/assess';
import { MemoryFindingStateStore } from '../../../shared/staleness/finding-state';
import { planFindings, problemsOf } from '../../../shared/staleness/findings';
import { inventoryOf, type SecretInventory, type SecretSummary } from '../../../shared/staleness/inventory';
import { foldReplicas, listScopes } from '../../../shared/staleness/scopes';
import { mayPileUpVersions, watchVersions } from '../../../shared/staleness/version-watch';
import { daysAgo, NOW, summary } from '../../support/staleness-summaries';

const A = '111111111111';
const B = '222222222222';
const scope = (accountId: string, region: string): AccountScope => ({ accountId, region, roleArn: `arn:aws:iam::${accountId}:role/r` });
const secretIn = (accountId: string, region: string, name: string, over: Partial<SecretSummary> = {}) =>
  summary({ name, arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-AbCdEf`, accountId, region, ...over });

/** An inventory that lists `pages` pages, then fails. */
function failingAfter(pages: SecretSummary[][], error: Error): SecretInventory {
  return {
    async *pages() {
      yield* pages;
      throw error;
    },
  };
}

describe('listScopes', () => {
  it("reports a scope whose role cannot be assumed and lists every other one", async () => {
    const denied = new SecretsStoreError('ListSecrets failed', 'ScopeAccessError', { cause: new ScopeAccessError('AssumeRole failed: AccessDenied', 'assume-role', 'AccessDenied') });
    const sources = new Map<string, SecretInventory>([
      [`${A}/us-east-1`, inventoryOf([secretIn(A, 'us-east-1', 'a/x/one')])],
      [`${B}/us-east-1`, failingAfter([], denied)],
      [`${A}/eu-west-1`, inventoryOf([secretIn(A, 'eu-west-1', 'a/x/two')])],
    ]);
    const listings = await listScopes([scope(A, 'us-east-1'), scope(B, 'us-east-1'), scope(A, 'eu-west-1')], (s) => ({ inventory: sources.get(`${s.accountId}/${s.region}`)! }), { concurrency: 2 });
    expect(listings.map((l) => [l.scope.accountId, l.scope.region, l.secrets.length, l.error])).toEqual([
      [A, 'us-east-1', 1, undefined],
      [B, 'us-east-1', 0, { step: 'assume-role', code: 'AccessDenied' }],
      [A, 'eu-west-1', 1, undefined],
    ]);
  });

  it('keeps nothing of a scope that fails part-way (throttled after retries): half an inventory would look like deletions', async () => {
    const throttled = new SecretsStoreError('ListSecrets failed', 'ThrottlingException');
    const [listing] = await listScopes([scope(A, 'us-east-1')], () => ({ inventory: failingAfter([[secretIn(A, 'us-east-1', 'a/x/one')]], throttled) }));
    expect(listing).toMatchObject({ secrets: [], listCalls: 1, error: { step: 'call', code: 'ThrottlingException' } });
  });

  it('attack: an error code that is not an AWS name (markup, a long text) is not carried into the finding', async () => {
    const hostile = new SecretsStoreError('ListSecrets failed', '<img src=x onerror=alert(1)>');
    const [listing] = await listScopes([scope(A, 'us-east-1')], () => ({ inventory: failingAfter([], hostile) }));
    expect(listing!.error).toEqual({ step: 'call', code: 'Error' });
  });
});

describe('replicas', () => {
  it('are folded under their primary, never assessed on their own; one whose primary region was not listed is kept apart', () => {
    const primary = secretIn(A, 'us-east-1', 'a/x/db-password', { createdDate: daysAgo(400), lastChangedDate: daysAgo(400) });
    const replica = secretIn(A, 'eu-west-1', 'a/x/db-password', { createdDate: daysAgo(400), lastChangedDate: daysAgo(400), primaryRegion: 'us-east-1' });
    const orphan = secretIn(B, 'eu-west-1', 'b/x/token', { primaryRegion: 'ap-south-1' });
    const folded = foldReplicas([primary, replica, orphan]);
    expect(folded.secrets.map((s) => s.arn)).toEqual([primary.arn]);
    expect(folded.secrets[0]!.replicas).toEqual([{ region: 'eu-west-1', arn: replica.arn }]);
    expect(folded.orphans.map((o) => [o.arn, o.primaryArn])).toEqual([[orphan.arn, orphan.arn.replace(':eu-west-1:', ':ap-south-1:')]]);
    // The stale (and unused) primary gets its findings; its replica, as old, none of its own.
    const active = folded.secrets.flatMap((s) => problemsOf(assessSecret(s, NOW)));
    expect(new Set(active.map((p) => p.assessment.arn))).toEqual(new Set([primary.arn]));
    expect(active.map((p) => p.ruleId)).toContain('staleness.stale');
  });
});

describe('version watch', () => {
  it('counts only secrets changed within 24 hours (the only ones whose versions can pile up), never replicas', async () => {
    const busy = secretIn(A, 'us-east-1', 'a/x/busy', { lastChangedDate: daysAgo(0.5) });
    const quiet = secretIn(A, 'us-east-1', 'a/x/quiet', { lastChangedDate: daysAgo(2) });
    const replica = secretIn(A, 'eu-west-1', 'a/x/busy', { lastChangedDate: daysAgo(0.5), primaryRegion: 'us-east-1' });
    expect([busy, quiet, replica].map((s) => mayPileUpVersions(s, NOW))).toEqual([true, false, false]);
    const asked: string[] = [];
    const result = await watchVersions([busy, quiet, replica], { count: async (arn) => (asked.push(arn), { versions: 97, more: false }) }, NOW);
    expect(asked).toEqual([busy.arn]);
    expect(result).toEqual({ counts: [{ arn: busy.arn, versions: 97, more: false }], calls: 1, failed: 0 });
  });

  it('raises staleness.version-limit at the threshold, with the account, and not below it', () => {
    const a = assessSecret(secretIn(A, 'us-east-1', 'a/x/busy'), NOW);
    expect(problemsOf(a, undefined, { arn: a.arn, versions: 79, more: false })).toEqual([]);
    const [problem] = problemsOf(a, undefined, { arn: a.arn, versions: 80, more: false });
    const plan = planFindings([problem!], [], { now: NOW, listed: new Set([a.arn]), hygieneChecked: new Set() });
    expect(plan.publish[0]).toMatchObject({ ruleId: 'staleness.version-limit', account: A, severity: 'medium', evidence: { versions: 80, quota: 100, region: 'us-east-1' } });
  });
});

describe('findings of an unreachable account', () => {
  it("open once a day, keep that account's secret findings open (neither fixed nor gone), and resolve when it is read again", async () => {
    const store = new MemoryFindingStateStore();
    const stale = assessSecret(secretIn(B, 'us-east-1', 'b/x/old', { createdDate: daysAgo(400), lastChangedDate: daysAgo(400) }), NOW);
    const first = planFindings(problemsOf(stale), [], { now: NOW, listed: new Set([stale.arn]), hygieneChecked: new Set() });
    await store.saveAll(first.save);

    const dark = { scope: scope(B, 'us-east-1'), failure: { step: 'assume-role' as const, code: 'AccessDenied' } };
    const later = new Date(NOW.getTime() + 3_600_000);
    const unreachable = planFindings([], await store.loadAll(), { now: later, listed: new Set(), hygieneChecked: new Set(), unreachable: [dark] });
    expect(unreachable.remove).toEqual([]);
    expect(unreachable.publish).toHaveLength(1);
    expect(unreachable.publish[0]).toMatchObject({ ruleId: 'staleness.account-unreachable', account: B, status: 'open', evidence: { region: 'us-east-1', step: 'assume-role', errorCode: 'AccessDenied' } });
    expect(unreachable.publish[0]!.secret).toBeUndefined();
    await store.saveAll(unreachable.save);

    const sameDay = planFindings([], await store.loadAll(), { now: new Date(later.getTime() + 60_000), listed: new Set(), hygieneChecked: new Set(), unreachable: [dark] });
    expect(sameDay.publish).toEqual([]);

    const back = planFindings(problemsOf(stale), await store.loadAll(), { now: new Date(later.getTime() + 120_000), listed: new Set([stale.arn]), hygieneChecked: new Set(), unreachable: [] });
    expect(back.publish.map((f) => [f.ruleId, f.status, f.account])).toEqual([['staleness.account-unreachable', 'resolved', B]]);
  });
});
