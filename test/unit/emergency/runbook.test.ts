import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import type { AuditRecord } from '../../../shared/audit/record';
import { MemoryAuditStore } from '../../../shared/audit/memory-store';
import { DEFAULT_TENANCY } from '../../../shared/tenancy';
import { fixedClock } from '../../../shared/clock';
import { inProcessRevoker, inProcessSteps, steppedRotationRunner } from '../../../shared/emergency/rotation-runner';
import { parseEmergencyRequest } from '../../../shared/emergency/request';
import { runEmergency, type EmergencyDeps } from '../../../shared/emergency/runbook';
import { rotationStrategies } from '../../../shared/aws/rotation-strategies';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../../shared/secrets-store';
import { inventoryOf, type SecretSummary } from '../../../shared/staleness/inventory';
import { MemoryLedger } from '../../support/memory-ledger';
import { MemoryStore } from '../../support/memory-store';
import { MemoryBindings } from '../../support/memory-bindings';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';

const NOW = '2026-11-20T12:00:00.000Z';
const KEY = 'app/tenant-1/jwt';
const OTHER = 'app/tenant-1/api';
const FOREIGN = 'app/tenant-2/api';

function read(eventId: string, principal: string, time: string, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    eventId,
    time,
    eventName: 'GetSecretValue',
    eventType: 'AwsApiCall',
    actionClass: 'read',
    readsValue: true,
    region: 'us-east-1',
    secrets: [{ id: KEY, name: KEY, tenant: 'tenant-1' }],
    principal: { type: 'AssumedRole', via: 'programmatic', key: principal, arn: principal },
    sourceIp: '10.0.0.7',
    details: {},
    ...extra,
  };
}

describe('the emergency runbook', () => {
  let store: MemoryStore;
  let published: Finding[];
  let ledger: MemoryLedger;
  let deps: EmergencyDeps;

  beforeEach(async () => {
    store = new MemoryStore();
    store.create(KEY, JSON.stringify({ issuer: 'x' }), { 'keywarden:strategy': 'jwt-keyset', 'keywarden:jwt-alg': 'HS256' });
    store.create(OTHER, '{}', { 'keywarden:strategy': 'api-key' });
    store.create(FOREIGN, '{}', { 'keywarden:strategy': 'api-key' });
    const clock = fixedClock(NOW);
    const rotationLedger = new MemoryRotationLedger();
    const rotationDeps = { store, clock, strategies: rotationStrategies, ledger: rotationLedger, bindings: new MemoryBindings() };
    // One ordinary rotation first, so the keyset has a key that the emergency will retire.
    const stage = async (id: string, token: string) => void store.startRotation(id, token);
    await steppedRotationRunner(stage, inProcessSteps(rotationDeps)).rotate(KEY, 1000);
    const audit = new MemoryAuditStore();
    await audit.putNew([
      read('e1', 'arn:aws:iam::1:role/app', '2026-11-19T10:00:00Z'),
      read('e2', 'arn:aws:iam::1:role/app', '2026-11-19T11:00:00Z'),
      read('e3', 'arn:aws:iam::1:role/intruder', '2026-11-18T03:00:00Z', { errorCode: 'AccessDenied', sourceIp: '203.0.113.9' }),
      read('e4', 'arn:aws:iam::1:role/old', '2026-09-01T00:00:00Z'),
    ]);
    published = [];
    ledger = new MemoryLedger();
    const summaries: SecretSummary[] = [KEY, OTHER, FOREIGN].map((name) => ({ arn: name, name, tags: {}, rotationEnabled: true, versions: {} }));
    deps = {
      store,
      inventory: inventoryOf(summaries),
      audit,
      ledger,
      rotation: steppedRotationRunner(stage, inProcessSteps(rotationDeps)),
      steps: inProcessSteps(rotationDeps),
      revoker: inProcessRevoker(rotationDeps),
      revokeGrants: rotationLedger,
      publisher: { publish: async (findings) => void published.push(...findings) },
      clock,
      tenancy: DEFAULT_TENANCY,
    };
  });

  const request = (extra: Record<string, unknown> = {}) =>
    parseEmergencyRequest({ secretId: KEY, reason: 'signing key leaked in a log', requestedBy: 'alice', requestId: 'inc-1', ...extra });

  it('rotates, revokes the leaked key, reviews access and pages, step by step', async () => {
    const leakedKid = JSON.parse(store.valueOf(KEY, AWSCURRENT)!).activeKid;
    const report = await runEmergency(request(), deps);

    expect(report.ok).toBe(true);
    const steps = report.secrets[0]!.steps;
    expect(steps.map((s) => [s.step, s.outcome])).toEqual([
      ['lock', 'done'],
      ['repair', 'skipped'],
      ['rotate', 'done'],
      ['revoke', 'done'],
      ['access-review', 'done'],
      ['notify', 'done'],
    ]);
    const current = JSON.parse(store.valueOf(KEY, AWSCURRENT)!);
    expect(current.keys.map((k: { kid: string }) => k.kid)).not.toContain(leakedKid);
    expect(current.keys).toHaveLength(1);
    for (const stages of Object.values(store.labels(KEY))) if (stages.includes(AWSPENDING)) expect(stages).toContain(AWSCURRENT);

    const review = report.secrets[0]!.accessReview!;
    expect(review).toMatchObject({ reads: 2, denied: 1 });
    expect(review.principals.map((p) => p.principal)).toEqual(['arn:aws:iam::1:role/app', 'arn:aws:iam::1:role/intruder']);

    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ ruleId: 'emergency.rotation', severity: 'high', secret: { name: KEY }, tenant: 'tenant-1' });
    expect(JSON.stringify(published[0])).not.toContain(JSON.stringify(current.keys[0]));
  });

  it('finishes a stuck rotation before rotating, so the version it had set becomes AWSCURRENT first', async () => {
    const stuck = store.startRotation(OTHER);
    for (const step of ['createSecret', 'setSecret'] as const) await deps.steps({ Step: step, SecretId: OTHER, ClientRequestToken: stuck });
    const report = await runEmergency(request({ secretId: OTHER }), deps);
    expect(report.secrets[0]!.steps[1]).toEqual({ step: 'repair', outcome: 'done', durationMs: expect.any(Number), detail: `finished the stuck rotation: version ${stuck} is AWSCURRENT` });
    expect(report.ok).toBe(true);
    // The emergency rotation then replaced it: the finished version is the previous one.
    expect(store.labels(OTHER)[stuck]).toEqual([AWSPREVIOUS]);
  });

  it('removes the label of a stuck rotation that cannot be finished, and says why', async () => {
    const stuck = store.startRotation(KEY);
    const report = await runEmergency(request(), deps);
    expect(report.secrets[0]!.steps[1]).toMatchObject({
      step: 'repair',
      outcome: 'done',
      detail: expect.stringMatching(new RegExp(`^removed AWSPENDING from abandoned version ${stuck} \\(it could not be finished: setSecret failed: RotationContractError: .*has no value yet`)),
    });
    expect(report.ok).toBe(true);
    expect(store.labels(KEY)[stuck]).toEqual([]);
    for (const stages of Object.values(store.labels(KEY))) if (stages.includes(AWSPENDING)) expect(stages).toContain(AWSCURRENT);
  });

  it('runs the same request id once and returns the first report again', async () => {
    const first = await runEmergency(request(), deps);
    const versions = Object.keys(store.labels(KEY)).length;
    const second = await runEmergency(request(), deps);
    expect(second).toEqual({ ...first, replayed: true });
    expect(Object.keys(store.labels(KEY))).toHaveLength(versions);
    expect(published).toHaveLength(1);
  });

  it('rotates a secret once when two requests for it run at once', async () => {
    const [a, b] = await Promise.all([runEmergency(request({ requestId: 'inc-a' }), deps), runEmergency(request({ requestId: 'inc-b' }), deps)]);
    const rotated = [a, b].filter((r) => r.secrets[0]!.steps.some((s) => s.step === 'rotate' && s.outcome === 'done'));
    const skipped = [a, b].filter((r) => r.secrets[0]!.steps[0]!.outcome === 'skipped');
    expect(rotated).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.secrets[0]!.steps[0]!.detail).toMatch(/is rotating this secret right now/);
  });

  it('changes nothing on a dry run, but plans every step and reviews access', async () => {
    const before = store.labels(KEY);
    const report = await runEmergency(request({ dryRun: true }), deps);
    expect(store.labels(KEY)).toEqual(before);
    expect(published).toHaveLength(0);
    expect(ledger.requests.size).toBe(0);
    expect(report.secrets[0]!.steps.map((s) => s.outcome)).toEqual(['skipped', 'planned', 'planned', 'done', 'planned']);
    expect(report.secrets[0]!.steps[1]!.detail).toBe('would rotate with strategy jwt-keyset');
  });

  it('plans to finish a stuck rotation on a dry run, and changes nothing', async () => {
    const stuck = store.startRotation(KEY);
    const before = store.labels(KEY);
    const report = await runEmergency(request({ dryRun: true }), deps);
    expect(report.secrets[0]!.steps[0]).toMatchObject({
      step: 'repair',
      outcome: 'planned',
      detail: `would finish the stuck rotation of version ${stuck}, or remove its AWSPENDING label if it cannot be finished`,
    });
    expect(store.labels(KEY)).toEqual(before);
  });

  it('covers every secret of a tenant, and no other tenant', async () => {
    const report = await runEmergency(parseEmergencyRequest({ tenant: 'tenant-1', reason: 'tenant breach', requestedBy: 'bob' }), deps);
    expect(report.secrets.map((s) => s.secret).sort()).toEqual([OTHER, KEY].sort());
    expect(store.labels(FOREIGN)).toEqual({ [Object.keys(store.labels(FOREIGN))[0]!]: [AWSCURRENT] });
  });

  it('does not revoke when the rotation fails, and pages as critical', async () => {
    store.create('app/tenant-1/broken', '"not an object"', { 'keywarden:strategy': 'password' });
    const report = await runEmergency(request({ secretId: 'app/tenant-1/broken' }), deps);
    const steps = Object.fromEntries(report.secrets[0]!.steps.map((s) => [s.step, s]));
    expect(report.ok).toBe(false);
    expect(steps.rotate!.outcome).toBe('failed');
    expect(steps.revoke).toMatchObject({ outcome: 'skipped', detail: expect.stringMatching(/would lock out every client/) });
    expect(published[0]).toMatchObject({ severity: 'critical', title: expect.stringMatching(/FAILED/) });
    expect(store.valueOf('app/tenant-1/broken', AWSCURRENT)).toBe('"not an object"');
    expect(store.valueOf('app/tenant-1/broken', AWSPREVIOUS)).toBeUndefined();
  });

  it('refuses a secret that does not exist before doing anything', async () => {
    await expect(runEmergency(request({ secretId: 'app/tenant-1/ghost' }), deps)).rejects.toThrow('secret app/tenant-1/ghost does not exist');
    expect(ledger.requests.size).toBe(0);
  });
});
