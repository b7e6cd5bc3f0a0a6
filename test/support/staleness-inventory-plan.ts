import type { PlannedSecret } from './secret-inventory';

/**
 * The inventory of the staleness integration test (1,200 secrets) and the benchmark (10,000), and what each
 * secret's standing must be when every secret is `ageDays` old (an independent oracle: plain
 * rules for this plan, not the code under test).
 *
 * Six scopes (tenant-1..tenant-5 and the tenant-less `shared`), nine kinds of secret (four typed
 * by the strategy tag, four by name, one by the keywarden:type tag), policies overridden by type,
 * by tenant and type, and by tag (every hundredth secret 50 days, every tenth 70), and rotation
 * set up on 14% of them: on schedule, overdue (every 30 days, never done) or stuck (AWSPENDING
 * never promoted). At 60 days every status is well represented while the problems that send
 * findings stay near a tenth of the inventory (moto's SQS slows down with every message queued).
 */

export const SCOPES = ['tenant-1', 'tenant-2', 'tenant-3', 'tenant-4', 'tenant-5', 'shared'] as const;

/** The policy overrides the plan is assessed with. */
export const PLAN_POLICIES = {
  types: { 'jwt-signing-key': { maxAgeDays: 90 } },
  tenants: {
    'tenant-1': { types: { 'jwt-signing-key': { maxAgeDays: 30 } } },
    'tenant-3': { types: { database: { maxAgeDays: 65 } } },
    'tenant-4': { types: { password: { maxAgeDays: 45 } } },
    'tenant-5': { types: { generic: { unusedDays: 45 } } },
  },
};

type Kind = { name: string; type: string; tags: Record<string, string> };
const KINDS: Kind[] = [
  { name: 'orders', type: 'database', tags: { 'keywarden:strategy': 'postgres' } },
  { name: 'partner', type: 'api-key', tags: { 'keywarden:strategy': 'api-key' } },
  { name: 'sessions', type: 'jwt-signing-key', tags: { 'keywarden:strategy': 'jwt-keyset' } },
  { name: 'vault', type: 'encryption-key', tags: { 'keywarden:strategy': 'encryption-keyring' } },
  { name: 'orders-db-password', type: 'database', tags: {} },
  { name: 'stripe-api-key', type: 'api-key', tags: {} },
  { name: 'smtp-password', type: 'password', tags: {} },
  { name: 'misc-config', type: 'generic', tags: {} },
  { name: 'blob', type: 'encryption-key', tags: { 'keywarden:type': 'encryption-key' } },
];
const DEFAULTS: Record<string, { max: number; warn: number; unused: number }> = {
  database: { max: 90, warn: 14, unused: 90 },
  'api-key': { max: 180, warn: 14, unused: 90 },
  'jwt-signing-key': { max: 30, warn: 5, unused: 90 },
  'encryption-key': { max: 365, warn: 30, unused: 90 },
  password: { max: 90, warn: 14, unused: 90 },
  generic: { max: 90, warn: 14, unused: 90 },
};

/** A planned secret with what the test expects of it. */
export interface PlanEntry extends PlannedSecret {
  tenant: string;
  type: string;
  maxAgeDays: number;
  expected: { stale: boolean; dueSoon: boolean; unused: boolean; rotationDisabled: boolean; rotationFailing: boolean; status: string };
}

/** Secret `i` of the plan, and its standing at `ageDays` (never read; all created together). */
export function planEntry(i: number, ageDays: number, prefix = 'acme'): PlanEntry {
  const scope = SCOPES[i % SCOPES.length]!;
  const kind = KINDS[Math.floor(i / SCOPES.length) % KINDS.length]!;
  const tags: Record<string, string> = { ...kind.tags };
  if (i % 100 === 9) tags['keywarden:max-age-days'] = '50';
  if (i % 10 === 4) tags['keywarden:max-age-days'] = '70';
  const r = i % 50;
  const rotation: PlannedSecret['rotation'] = r % 10 === 0 ? { kind: 'schedule', days: 90 } : r === 5 ? { kind: 'schedule', days: 30 } : r === 15 ? { kind: 'stuck' } : undefined;

  const tenant = scope === 'shared' ? 'no-tenant' : scope;
  const d = DEFAULTS[kind.type]!;
  let max = kind.type === 'jwt-signing-key' ? 90 : d.max;
  if (scope === 'tenant-1' && kind.type === 'jwt-signing-key') max = 30;
  if (scope === 'tenant-3' && kind.type === 'database') max = 65;
  if (scope === 'tenant-4' && kind.type === 'password') max = 45;
  if (tags['keywarden:max-age-days']) max = Number(tags['keywarden:max-age-days']);
  const warn = Math.min(d.warn, Math.floor(max / 3));
  const unusedDays = scope === 'tenant-5' && kind.type === 'generic' ? 45 : d.unused;
  const rotationFailing = rotation !== undefined && (rotation.kind === 'stuck' || rotation.days < ageDays);
  const expected = {
    rotationFailing,
    stale: ageDays > max,
    unused: ageDays > unusedDays,
    dueSoon: ageDays <= max && ageDays > max - warn,
    rotationDisabled: rotation === undefined,
    status: '',
  };
  expected.status = rotationFailing ? 'rotation-failing' : expected.stale ? 'stale' : expected.unused ? 'unused' : expected.dueSoon ? 'due-soon' : expected.rotationDisabled ? 'rotation-disabled' : 'ok';
  return { name: `${prefix}/${scope}/${kind.name}-${i}`, tags, rotation, tenant, type: kind.type, maxAgeDays: max, expected };
}

/** The whole plan of `count` secrets at `ageDays`. */
export function inventoryPlan(count: number, ageDays: number, prefix = 'acme'): PlanEntry[] {
  return Array.from({ length: count }, (_, i) => planEntry(i, ageDays, prefix));
}

/** Counts of the plan, as the metrics carry them. */
export function expectedFigures(entries: readonly PlanEntry[]) {
  const count = (p: (e: PlanEntry) => boolean) => entries.filter(p).length;
  const compliant = count((e) => !e.expected.stale && !e.expected.rotationFailing);
  return {
    Secrets: entries.length,
    StaleSecrets: count((e) => e.expected.stale),
    DueSoonSecrets: count((e) => e.expected.dueSoon),
    UnusedSecrets: count((e) => e.expected.unused),
    RotationDisabledSecrets: count((e) => e.expected.rotationDisabled),
    RotationFailingSecrets: count((e) => e.expected.rotationFailing),
    ComplianceScore: Math.round((10_000 * compliant) / Math.max(1, entries.length)) / 100,
  };
}
