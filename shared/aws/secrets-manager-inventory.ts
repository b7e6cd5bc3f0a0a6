import { GetSecretValueCommand, ListSecretsCommand, ListSecretVersionIdsCommand, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { arnLocation } from '../accounts';
import { SecretsStoreError } from '../errors';
import { AWSCURRENT } from '../secrets-store';
import type { SecretInventory, SecretSummary, SecretValueReader } from '../staleness/inventory';
import { SECRET_VERSION_QUOTA, type VersionCounter } from '../staleness/version-watch';

/** ListSecrets returns at most 100 secrets a page; asking for fewer only means more calls. */
export const LIST_SECRETS_PAGE_SIZE = 100;

/**
 * The inventory over ListSecrets: every page, 100 secrets a call, secrets scheduled for deletion
 * left out (as ListSecrets does by default). Metadata only; ListSecrets returns no values.
 */
export class SecretsManagerInventory implements SecretInventory {
  constructor(private readonly client: SecretsManagerClient) {}

  async *pages(): AsyncIterable<SecretSummary[]> {
    let nextToken: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(new ListSecretsCommand({ MaxResults: LIST_SECRETS_PAGE_SIZE, NextToken: nextToken }));
      } catch (error) {
        throw new SecretsStoreError('ListSecrets failed', (error as { name?: string }).name ?? 'Error', { cause: error });
      }
      nextToken = out.NextToken || undefined;
      yield (out.SecretList ?? []).filter((entry) => entry.ARN && entry.Name).map(toSummary);
    } while (nextToken);
  }
}

/**
 * Counts a secret's versions with one ListSecretVersionIds call of up to 100 (the quota), deprecated
 * versions included: a page that is full and has a NextToken means at least 100.
 */
export class SecretsManagerVersionCounter implements VersionCounter {
  constructor(private readonly client: SecretsManagerClient) {}

  async count(arn: string): Promise<{ versions: number; more: boolean }> {
    try {
      const out = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true, MaxResults: SECRET_VERSION_QUOTA }));
      return { versions: out.Versions?.length ?? 0, more: Boolean(out.NextToken) };
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      throw new SecretsStoreError(`ListSecretVersionIds on ${arn} failed: ${code}`, code, { cause: error });
    }
  }
}

/** Reads AWSCURRENT values for the opt-in hygiene check. */
export class SecretsManagerValueReader implements SecretValueReader {
  constructor(private readonly client: SecretsManagerClient) {}

  async readCurrent(arn: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: AWSCURRENT }));
      return out.SecretString;
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      // The message names the secret and the service's code only; no value was read.
      throw new SecretsStoreError(`GetSecretValue on ${arn} failed: ${code}`, code, { cause: error });
    }
  }
}

/** One ListSecrets entry as the domain sees it. */
export function toSummary(entry: SecretListEntry): SecretSummary {
  const summary: SecretSummary = {
    arn: entry.ARN!,
    name: entry.Name!,
    tags: Object.fromEntries((entry.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
    rotationEnabled: entry.RotationEnabled === true,
    versions: Object.fromEntries(Object.entries(entry.SecretVersionsToStages ?? {}).map(([id, stages]) => [id, [...(stages ?? [])]])),
  };
  const dates = {
    createdDate: entry.CreatedDate,
    lastChangedDate: entry.LastChangedDate,
    lastRotatedDate: entry.LastRotatedDate,
    lastAccessedDate: entry.LastAccessedDate,
    nextRotationDate: entry.NextRotationDate,
  };
  for (const [key, value] of Object.entries(dates)) if (value instanceof Date) summary[key as keyof typeof dates] = value;
  if (entry.RotationRules?.AutomaticallyAfterDays) summary.rotationIntervalDays = entry.RotationRules.AutomaticallyAfterDays;
  if (entry.RotationRules?.ScheduleExpression) summary.rotationSchedule = entry.RotationRules.ScheduleExpression;
  if (entry.RotationRules?.Duration) summary.rotationWindow = entry.RotationRules.Duration;
  if (entry.RotationLambdaARN) summary.rotationLambdaArn = entry.RotationLambdaARN;
  if (entry.OwningService) summary.owningService = entry.OwningService;
  const location = arnLocation(entry.ARN!);
  if (location) Object.assign(summary, location);
  if (entry.PrimaryRegion && location && entry.PrimaryRegion !== location.region) summary.primaryRegion = entry.PrimaryRegion;
  // ListSecrets names no replicas on a primary (only DescribeSecret does): a primary's replicas
  // are the entries of the other regions whose PrimaryRegion points back at it (staleness/scopes.ts).
  return summary;
}
