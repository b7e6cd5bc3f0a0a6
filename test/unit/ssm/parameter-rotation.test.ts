import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { SecretsStoreError } from '../../../shared/errors';
import type { ParameterFacts, ParameterStore, ParameterVersion } from '../../../shared/ssm/parameter-store';
import { checkParameter, revokePreviousParameter, rotateParameter } from '../../../shared/ssm/parameter-rotation';
import { DEFAULT_PARAMETER_SCOPE, outOfScope, parameterScopeFromEnv } from '../../../shared/ssm/scope';

/**
 * Parameter rotation's failure paths, over an in-memory Parameter Store that behaves as SSM does
 * (a label on one version at most, versions never changed) and fails the call a test names.
 */
class MemoryParameterStore implements ParameterStore {
  versions: Array<{ version: number; value: string; labels: string[]; keyId: string }> = [];
  failOn?: { call: keyof ParameterStore; nth: number };
  private calls: Partial<Record<keyof ParameterStore, number>> = {};

  constructor(
    private readonly facts: Omit<ParameterFacts, 'version'>,
    value: string,
  ) {
    this.versions.push({ version: 1, value, labels: [], keyId: 'alias/app-key' });
  }

  private fault(call: keyof ParameterStore): void {
    this.calls[call] = (this.calls[call] ?? 0) + 1;
    if (this.failOn?.call === call && this.failOn.nth === this.calls[call]) throw new SecretsStoreError(`${call} failed: ThrottlingException`, 'ThrottlingException');
  }

  async describe(name: string) {
    this.fault('describe');
    return name === this.facts.name ? { ...this.facts, version: this.versions.length } : undefined;
  }
  async history(): Promise<ParameterVersion[]> {
    this.fault('history');
    return this.versions.map(({ version, labels, keyId }) => ({ version, labels: [...labels], keyId }));
  }
  async read(_name: string, version: number) {
    this.fault('read');
    return this.versions[version - 1]!.value;
  }
  async put(_name: string, value: string, keyId: string | undefined) {
    this.fault('put');
    this.versions.push({ version: this.versions.length + 1, value, labels: [], keyId: keyId ?? 'alias/aws/ssm' });
    return this.versions.length;
  }
  async label(_name: string, version: number, labels: string[]) {
    this.fault('label');
    for (const v of this.versions) v.labels = v.labels.filter((l) => !labels.includes(l));
    this.versions[version - 1]!.labels.push(...labels);
  }
  async unlabel(_name: string, version: number, labels: string[]) {
    this.fault('unlabel');
    this.versions[version - 1]!.labels = this.versions[version - 1]!.labels.filter((l) => !labels.includes(l));
  }
  labelled(label: string) {
    return this.versions.find((v) => v.labels.includes(label))?.version;
  }
}

const NAME = '/multitenant-ai-poc/tenant-1/partner-api-key';
const OLD = JSON.stringify({ apiKey: 'kw_0123456789abcdefghijABCDEFGHIJ0aaaaaa' });
const setup = (tags: Record<string, string> = { 'keywarden:strategy': 'api-key' }, type = 'SecureString') => {
  const store = new MemoryParameterStore({ name: NAME, type, keyId: 'alias/app-key', tags }, OLD);
  return { store, deps: { store, scope: DEFAULT_PARAMETER_SCOPE, clock: fixedClock(new Date('2026-01-01T00:00:00Z')) } };
};

describe('parameter rotation', () => {
  it('writes with the current version\'s KMS key and moves both labels', async () => {
    const { store, deps } = setup();
    const report = await rotateParameter(NAME, deps);
    expect(report).toMatchObject({ ok: true, fromVersion: 1, toVersion: 2 });
    expect(store.versions.map((v) => [v.version, v.labels, v.keyId])).toEqual([
      [1, ['previous'], 'alias/app-key'],
      [2, ['current'], 'alias/app-key'],
    ]);
  });

  it.each([
    ['the read-back', 'read', 2],
    ['labelling previous', 'label', 1],
    ['labelling current', 'label', 2],
  ] as const)('a failure at %s leaves current where it was and the old value the newest version', async (_what, call, nth) => {
    const { store, deps } = setup();
    store.failOn = { call, nth };
    const report = await rotateParameter(NAME, deps);
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/ThrottlingException/);
    expect(report.restoredVersion).toBe(3);
    expect(store.versions.at(-1)!.value).toBe(OLD);
    expect(store.labelled('current')).not.toBe(2);
    expect(JSON.stringify(report)).not.toContain('kw_0123456789');
  });

  it('attack: a current label moved onto an older version with another value is refused, and nothing is written', async () => {
    const { store, deps } = setup();
    store.versions.push({ version: 2, value: JSON.stringify({ apiKey: 'kw_newerValueNewerValueNewerValue00000' }), labels: [], keyId: 'alias/app-key' });
    await store.label(NAME, 1, ['current']);
    const before = JSON.stringify(store.versions);
    await expect(rotateParameter(NAME, deps)).rejects.toThrow(/current label is on version 1, but version 2 is newer and holds another value/);
    expect(JSON.stringify(store.versions)).toBe(before);
  });

  it('a failure at the write changes nothing; running again after a failure completes from the restored old value', async () => {
    const { store, deps } = setup();
    store.failOn = { call: 'put', nth: 1 };
    expect((await rotateParameter(NAME, deps)).ok).toBe(false);
    expect(store.versions).toHaveLength(1);
    store.failOn = { call: 'label', nth: 1 };
    await rotateParameter(NAME, deps);
    store.failOn = undefined;
    const again = await rotateParameter(NAME, deps);
    // No version was labelled current yet: the newest, the old value written back, is where it starts.
    expect(again).toMatchObject({ ok: true, fromVersion: 3, toVersion: 4 });
    expect(store.versions[2]!.value).toBe(OLD);
    expect(store.labelled('current')).toBe(4);
    expect(store.labelled('previous')).toBe(3);
  });

  it('revocation takes previous off the leaked version and keeps the version', async () => {
    const { store, deps } = setup();
    await rotateParameter(NAME, deps);
    const revoked = await revokePreviousParameter(NAME, deps);
    expect(revoked.ok).toBe(true);
    expect(store.labelled('previous')).toBeUndefined();
    expect(store.versions[0]!.value).toBe(OLD);
  });

  it('attack: a previous label moved between the rotation and the revocation is refused, and nothing changes', async () => {
    const { store, deps } = setup();
    const rotated = await rotateParameter(NAME, deps);
    await store.label(NAME, 2, ['previous']);
    const before = JSON.stringify(store.versions);
    const revoked = await revokePreviousParameter(NAME, deps, { previousVersion: rotated.fromVersion });
    expect(revoked).toMatchObject({ ok: false, detail: expect.stringMatching(/previous label is on version 2, not on version 1/) });
    expect(JSON.stringify(store.versions)).toBe(before);
  });

  it('attack: a type, scope or strategy refusal happens before any write', async () => {
    for (const [tags, type, pattern] of [
      [{ 'keywarden:strategy': 'api-key' }, 'String', /SecureString parameters only/],
      [{ 'keywarden:strategy': 'mysql' }, 'SecureString', /not a generated strategy/],
      [{ 'keywarden:strategy': 'constructor' }, 'SecureString', /not a generated strategy/],
    ] as const) {
      const { store, deps } = setup(tags, type);
      await expect(rotateParameter(NAME, deps)).rejects.toThrow(pattern);
      expect(store.versions).toHaveLength(1);
    }
    const { deps } = setup();
    await expect(checkParameter(`/multitenant-ai-poc/${'a'.repeat(2100)}`, deps)).rejects.toThrow(/at most 2048 characters/);
  });
});

describe('parameter scope', () => {
  it('takes prefixes from KEYWARDEN_SSM_PATH_PREFIXES, `none` turns it off, a bad prefix is a config error', () => {
    expect(parameterScopeFromEnv({}).prefixes).toEqual(['/multitenant-ai-poc/']);
    expect(parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: '/a/, /b/c/' }).prefixes).toEqual(['/a/', '/b/c/']);
    expect(parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: 'none' }).prefixes).toEqual([]);
    // Blanked by an operator: no parameters, never the default scope.
    expect(parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: '' }).prefixes).toEqual([]);
    expect(parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: '  ' }).prefixes).toEqual([]);
    expect(() => parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: '/a' })).toThrow(/is not a path like/);
    expect(() => parameterScopeFromEnv({ KEYWARDEN_SSM_PATH_PREFIXES: '/*/' })).toThrow(/is not a path like/);
  });

  it('attack: prefix look-alikes, dot segments and foreign characters are out of scope', () => {
    const scope = { prefixes: ['/app/'] };
    expect(outOfScope('/app/x', scope)).toBeUndefined();
    expect(outOfScope('/app', scope)).toMatch(/outside/);
    expect(outOfScope('/app/', scope)).toMatch(/outside/);
    expect(outOfScope('/application/x', scope)).toMatch(/outside/);
    expect(outOfScope('/app/../other/x', scope)).toMatch(/\.\. path segment/);
    expect(outOfScope('/app/x y', scope)).toMatch(/only letters/);
    expect(outOfScope('/app//x', scope)).toMatch(/empty path segment/);
  });
});
