import type { AccountScope } from '../accounts';
import { mapBounded } from '../concurrency';
import type { ReplicaSummary, SecretInventory, SecretSummary } from './inventory';
import { watchVersions, type VersionCount, type VersionCounter } from './version-watch';

/**
 * The inventory across accounts and regions: each scope (an account in a region) is listed on its
 * own, a few at a time, and one that fails (its role cannot be assumed, a call is denied or stays
 * throttled after the SDK's retries) is reported as unreachable without stopping the others.
 * A scope that fails part-way contributes nothing: half an inventory would make its missing
 * secrets look deleted and resolve their findings.
 */

/** How a scope's inventory is read. */
export interface ScopeSource {
  inventory: SecretInventory;
  /** Counts versions of the scope's secrets (ListSecretVersionIds); none for a fake inventory. */
  versions?: VersionCounter;
}

/** Why a scope could not be listed: the step and the service's error code, never its message. */
export interface ScopeFailure {
  step: 'assume-role' | 'call';
  code: string;
}

/** One scope after listing. */
export interface ScopeListing {
  scope: AccountScope;
  secrets: SecretSummary[];
  listCalls: number;
  versions: VersionCount[];
  versionCalls: number;
  error?: ScopeFailure;
}

/** Options of {@link listScopes}. */
export interface ListScopesOptions {
  /** Scopes listed at once; default 4. */
  concurrency?: number;
  /** The scan's instant, for the version watch; no watch without it. */
  now?: Date;
}

/** Lists every scope, at most `concurrency` at once; failures are in the result, never thrown. */
export async function listScopes(scopes: readonly AccountScope[], sourceFor: (scope: AccountScope) => ScopeSource, options: ListScopesOptions = {}): Promise<ScopeListing[]> {
  return mapBounded(scopes, options.concurrency ?? 4, (scope) => listScope(scope, sourceFor, options.now));
}

async function listScope(scope: AccountScope, sourceFor: (scope: AccountScope) => ScopeSource, now: Date | undefined): Promise<ScopeListing> {
  const listing: ScopeListing = { scope, secrets: [], listCalls: 0, versions: [], versionCalls: 0 };
  try {
    const source = sourceFor(scope);
    for await (const page of source.inventory.pages()) {
      listing.listCalls += 1;
      listing.secrets.push(...page);
    }
    // Every entry of a scope is in its account: one whose ARN names none (a parameter known by
    // its path) takes the scope's, or when the home account is not configured, its neighbours'.
    const accountId = scope.accountId || listing.secrets.find((s) => s.accountId)?.accountId || '';
    listing.secrets = listing.secrets.map((secret) => located(secret, { accountId, region: scope.region }));
    if (source.versions && now) {
      const watch = await watchVersions(listing.secrets, source.versions, now);
      listing.versions = watch.counts;
      listing.versionCalls = watch.calls;
    }
  } catch (error) {
    listing.secrets = [];
    listing.error = failureOf(error);
  }
  return listing;
}

/** The account and region of a secret: its ARN's, else its scope's (a fake inventory's ARNs may name none). */
function located(secret: SecretSummary, scope: Pick<AccountScope, 'accountId' | 'region'>): SecretSummary {
  if (secret.accountId && secret.region) return secret;
  return { ...secret, accountId: secret.accountId || scope.accountId || undefined, region: secret.region ?? scope.region };
}

function failureOf(error: unknown): ScopeFailure {
  // The SDK wraps what a credential provider throws, and the inventory wraps the SDK's error: the
  // first error in the chain that names a step (AssumeRole) wins, else the service's code.
  const chain: Array<{ step?: unknown; code?: unknown; name?: unknown; cause?: unknown }> = [];
  for (let e = error as (typeof chain)[number] | undefined; e && typeof e === 'object' && chain.length < 5; e = e.cause as (typeof chain)[number] | undefined) chain.push(e);
  const assumed = chain.find((e) => e.step === 'assume-role');
  const raw = assumed ? assumed.code : (chain.find((e) => typeof e.code === 'string')?.code ?? chain[0]?.name);
  const code = typeof raw === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(raw) ? raw : 'Error';
  return { step: assumed ? 'assume-role' : 'call', code };
}

/** A replica, shown under its primary. */
export interface ReplicaLine {
  /** The replica's own ARN (its region's). */
  arn: string;
  name: string;
  accountId?: string;
  region?: string;
  primaryRegion: string;
  /** The primary's ARN: the one to rotate. */
  primaryArn: string;
}

/** The inventory with replicas folded under their primaries. */
export interface FoldedInventory {
  /** Every secret that is not a replica; a primary's `replicas` name the replicas listed. */
  secrets: SecretSummary[];
  /** Every replica listed, with its primary's ARN. */
  replicas: ReplicaLine[];
  /** Replicas whose primary's region was not listed. */
  orphans: ReplicaLine[];
}

/** The ARN of a replica's primary: the same ARN in the primary region (Secrets Manager keeps name and suffix). */
export function primaryArnOf(replicaArn: string, replicaRegion: string, primaryRegion: string): string {
  const parts = replicaArn.split(':');
  if (parts[3] === replicaRegion) parts[3] = primaryRegion;
  return parts.join(':');
}

/**
 * Takes replicas out of the inventory and puts each under its primary: a replica is rotated
 * through its primary, never on its own, so it is never assessed (never stale, never a finding)
 * on its own.
 */
export function foldReplicas(secrets: readonly SecretSummary[]): FoldedInventory {
  const replicas: ReplicaLine[] = [];
  const primaries: SecretSummary[] = [];
  for (const secret of secrets) {
    if (!secret.primaryRegion) {
      primaries.push(secret);
      continue;
    }
    const region = secret.region ?? '';
    replicas.push({
      arn: secret.arn,
      name: secret.name,
      ...(secret.accountId && { accountId: secret.accountId }),
      ...(region && { region }),
      primaryRegion: secret.primaryRegion,
      primaryArn: primaryArnOf(secret.arn, region, secret.primaryRegion),
    });
  }
  const byArn = new Map(primaries.map((p, i) => [p.arn, i]));
  const orphans: ReplicaLine[] = [];
  for (const replica of replicas) {
    const index = byArn.get(replica.primaryArn);
    if (index === undefined) {
      orphans.push(replica);
      continue;
    }
    const primary = primaries[index]!;
    const known: ReplicaSummary[] = primary.replicas ?? [];
    const entry = known.find((r) => r.region === replica.region);
    const merged = entry ? known.map((r) => (r === entry ? { ...r, arn: replica.arn } : r)) : [...known, { region: replica.region ?? '', arn: replica.arn }];
    primaries[index] = { ...primary, replicas: merged };
  }
  return { secrets: primaries, replicas, orphans };
}
