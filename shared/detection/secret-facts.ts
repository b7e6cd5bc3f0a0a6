import { secretKeyOf, type AuditRecord } from '../audit/record';
import type { DetectionConfig } from './config';
import type { SecretFacts } from './detector';
import { shortHash, stateKeys, timeMs } from './keys';
import { days, expiryAfter, numberAttribute, type StatePhase } from './phase';
import type { StateItem, StateUpdate } from './state';

/** The tag that marks a secret as a decoy: nobody has a reason to touch it. */
export const DECOY_TAG = 'keywarden:decoy';

/** Secret facts live long: a decoy stays a decoy until its tag goes. Refreshed whenever touched. */
const FACT_LIFETIME_MS = days(400);
const REFRESH_AFTER_MS = days(30);
const DEMOTED_PREFIX = 'o.';

/**
 * What the trail itself says about secrets, kept in the detector state: which carry the
 * `keywarden:decoy` tag (seen on CreateSecret and TagResource, removed by UntagResource) and which
 * versions were moved off AWSCURRENT (UpdateSecretVersionStage, as every rotation's finishSecret
 * does). Learns from every record, keywarden's own rotations included, so a later read of the old
 * version by anyone else is recognised.
 *
 * Decoys are known three ways, any of which suffices: `KEYWARDEN_DECOY_SECRETS` (names),
 * `KEYWARDEN_DECOY_NAME_PATTERN`, or the tag as the trail reported it. The audit function makes no
 * Secrets Manager calls (its bundle holds DynamoDB, EventBridge and SQS clients only), so a decoy
 * tagged before the trail was watched must be listed in the configuration.
 */
/** A member account's key prefix (`<account>:`); secret names cannot hold `:`. */
const MEMBER_PREFIX = /^\d{12}:/;

export class SecretFactsPhase implements StatePhase {
  private readonly names = new Map<string, string>();
  private readonly changes = new Map<string, SecretChange>();
  private readonly facts = new Map<string, SecretFacts>();
  private read: ReadonlyMap<string, StateItem> = new Map();

  constructor(
    records: readonly AuditRecord[],
    private readonly config: DetectionConfig,
    private readonly nowMs: number,
  ) {
    for (const record of records) {
      for (const secret of record.secrets) {
        const key = secretKeyOf(secret);
        if (!this.names.has(key)) this.names.set(key, stateKeys.secret(shortHash(key)));
      }
      if (!record.errorCode) this.learn(record);
    }
  }

  keys(): string[] {
    return [...this.names.values()];
  }

  updates(read: ReadonlyMap<string, StateItem>): StateUpdate[] {
    const expiresAt = expiryAfter(this.nowMs, FACT_LIFETIME_MS, this.nowMs);
    const out: StateUpdate[] = [];
    for (const [name, key] of this.names) {
      const change = this.changes.get(name);
      const item = read.get(key);
      if (change) {
        const set: Record<string, number> = { seen: Math.floor(this.nowMs / 1000) };
        if (change.decoy !== undefined) set.decoy = change.decoy;
        const setIfAbsent: Record<string, number> = {};
        for (const [version, at] of change.demote) setIfAbsent[`${DEMOTED_PREFIX}${version}`] = at;
        out.push({ key, set, setIfAbsent, remove: [...change.promote].map((v) => `${DEMOTED_PREFIX}${v}`), expiresAt });
      } else if (item && (numberAttribute(item, 'seen') ?? 0) * 1000 < this.nowMs - REFRESH_AFTER_MS) {
        out.push({ key, set: { seen: Math.floor(this.nowMs / 1000) }, expiresAt });
      }
    }
    return out;
  }

  puts(): [] {
    return [];
  }

  finish(read: ReadonlyMap<string, StateItem>): void {
    this.read = read;
  }

  /** Facts about a secret the batch named; worked out on first ask. */
  factsOf(name: string): SecretFacts {
    let facts = this.facts.get(name);
    if (!facts) {
      const key = this.names.get(name);
      facts = key === undefined ? { decoy: this.configuredDecoy(name), demotedVersions: new Map() } : this.factsFrom(name, this.read.get(key));
      this.facts.set(name, facts);
    }
    return facts;
  }

  private factsFrom(name: string, item: StateItem | undefined): SecretFacts {
    const change = this.changes.get(name);
    const taggedBefore = numberAttribute(item, 'decoy') === 1;
    // Tagged at any point in the batch: untagging a decoy is itself a touch of a decoy.
    const taggedNow = change?.wasDecoy === true;
    return new LearnedFacts(this.configuredDecoy(name) || taggedBefore || taggedNow, item, change);
  }

  /**
   * `key` is the secret as detection keys it (`<account>:<name>` for a member account's,
   * secretKeyOf): the configured decoys name secrets by name, so the bare name is what is matched,
   * and an entry may also name one account's secret by its key.
   */
  private configuredDecoy(key: string): boolean {
    const name = key.replace(MEMBER_PREFIX, '');
    return this.config.decoySecrets.has(key) || this.config.decoySecrets.has(name) || (this.config.decoyNamePattern?.test(name) ?? false);
  }

  // No closure made per record: a function made in a hot loop costs an allocation each time (and,
  // where names are kept, as tsx keeps them, a property definition), and most records change nothing.
  private learn(record: AuditRecord): void {
    const name = record.secrets[0] && secretKeyOf(record.secrets[0]);
    if (!name) return;
    const details = record.details;
    if (record.eventName === 'UpdateSecretVersionStage' && record.versionStage === 'AWSCURRENT') {
      if (typeof details.removeFromVersionId === 'string') this.changeOf(name).demote.set(details.removeFromVersionId, timeMs(record.time));
      if (typeof details.moveToVersionId === 'string') this.changeOf(name).promote.add(details.moveToVersionId);
    }
    if (TAGGING_EVENTS.has(record.eventName) && isDecoyTagging(record)) {
      const change = this.changeOf(name);
      change.decoy = 1;
      change.wasDecoy = true;
    }
    if (UNTAGGING_EVENTS.has(record.eventName) && Array.isArray(details.tagKeys) && (details.tagKeys as string[]).includes(DECOY_TAG)) this.changeOf(name).decoy = 0;
  }

  private changeOf(name: string): SecretChange {
    let change = this.changes.get(name);
    if (!change) {
      change = { demote: new Map(), promote: new Set() };
      this.changes.set(name, change);
    }
    return change;
  }
}

/**
 * A secret's facts from its item and this batch's changes. A class rather than an object literal
 * with a getter: one is made for every secret of every batch, and a literal's getter is defined
 * anew each time.
 */
class LearnedFacts implements SecretFacts {
  private demoted: Map<string, number> | undefined;

  constructor(
    readonly decoy: boolean,
    private readonly item: StateItem | undefined,
    private readonly change: SecretChange | undefined,
  ) {}

  // Only reads by version id ask, and they are rare.
  get demotedVersions(): ReadonlyMap<string, number> {
    if (!this.demoted) {
      const demoted = new Map<string, number>();
      for (const [attribute, value] of Object.entries(this.item ?? {})) {
        if (attribute.startsWith(DEMOTED_PREFIX) && typeof value === 'number') demoted.set(attribute.slice(DEMOTED_PREFIX.length), value);
      }
      for (const [version, at] of this.change?.demote ?? []) if (!demoted.has(version)) demoted.set(version, at);
      for (const version of this.change?.promote ?? []) demoted.delete(version);
      this.demoted = demoted;
    }
    return this.demoted;
  }
}

/** What a batch changes about one secret. */
interface SecretChange {
  decoy?: 0 | 1;
  wasDecoy?: boolean;
  demote: Map<string, number>;
  promote: Set<string>;
}

/** Calls that can put tags on a secret or an SSM parameter (PutParameter takes tags on creation). */
const TAGGING_EVENTS: ReadonlySet<string> = new Set(['CreateSecret', 'TagResource', 'PutParameter', 'AddTagsToResource']);
const UNTAGGING_EVENTS: ReadonlySet<string> = new Set(['UntagResource', 'RemoveTagsFromResource']);

/** Whether the record puts the decoy tag on its secret (CreateSecret, TagResource, or their SSM counterparts). */
export function isDecoyTagging(record: AuditRecord): boolean {
  const tags = record.details.tags as Array<{ key: string; value: string }> | undefined;
  return Array.isArray(tags) && tags.some((tag) => tag.key === DECOY_TAG && tag.value.toLowerCase() !== 'false');
}
