import { DescribeParametersCommand, GetParameterCommand, ListTagsForResourceCommand, type ParameterMetadata, type SSMClient } from '@aws-sdk/client-ssm';
import { splitSelector } from '../audit/ssm-parameters';
import { SecretsStoreError } from '../errors';
import type { ParameterScope } from '../ssm/scope';
import type { SecretInventory, SecretSummary, SecretValueReader } from '../staleness/inventory';
import { mapBounded } from '../concurrency';

/** DescribeParameters returns at most 50 parameters a page. */
export const DESCRIBE_PARAMETERS_PAGE_SIZE = 50;
/** ListTagsForResource calls in flight at once: DescribeParameters gives no tags, each needs its own call. */
export const TAG_CONCURRENCY = 8;

/**
 * The SecureString parameters under the scope's prefixes, as inventory entries: DescribeParameters
 * filtered by type and path (recursive), 50 a page, then each parameter's tags (which carry its
 * type, policy, strategy and hygiene opt-in, as a secret's do) with bounded concurrency.
 * Metadata only: no value is read.
 *
 * Age is LastModifiedDate (the last PutParameter: a new value). Parameter Store records no read
 * date and has no rotation schedule, so a parameter is never `unused` and always `rotation-disabled`
 * (keywarden rotates it when asked: `keywarden rotate /path/name`).
 */
export class SsmParameterInventory implements SecretInventory {
  constructor(
    private readonly client: SSMClient,
    private readonly scope: ParameterScope,
    private readonly tagConcurrency = TAG_CONCURRENCY,
  ) {}

  async *pages(): AsyncIterable<SecretSummary[]> {
    for (const prefix of this.scope.prefixes) {
      let nextToken: string | undefined;
      do {
        const out = await this.call('DescribeParameters', () =>
          this.client.send(
            new DescribeParametersCommand({
              MaxResults: DESCRIBE_PARAMETERS_PAGE_SIZE,
              NextToken: nextToken,
              ParameterFilters: [
                { Key: 'Type', Option: 'Equals', Values: ['SecureString'] },
                { Key: 'Path', Option: 'Recursive', Values: [prefix.replace(/\/$/, '')] },
              ],
            }),
          ),
        );
        nextToken = out.NextToken || undefined;
        const listed = (out.Parameters ?? []).filter((p) => p.Name && p.Type === 'SecureString');
        yield await mapBounded(listed, this.tagConcurrency, (p) => this.summary(p));
      } while (nextToken);
    }
  }

  private async summary(p: ParameterMetadata): Promise<SecretSummary> {
    const out = await this.call(`ListTagsForResource on ${p.Name}`, () => this.client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: p.Name! })));
    const summary: SecretSummary = {
      kind: 'parameter',
      // AWS gives the ARN; where it does not (moto's DescribeParameters), the name stands in.
      arn: p.ARN ?? p.Name!,
      name: p.Name!,
      tags: Object.fromEntries((out.TagList ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
      rotationEnabled: false,
      versions: {},
    };
    if (p.LastModifiedDate instanceof Date) summary.lastChangedDate = p.LastModifiedDate;
    return summary;
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      throw new SecretsStoreError(`${what} failed: ${code}`, code, { cause: error });
    }
  }
}

/** Reads a SecureString's latest value (decrypted) for the opt-in hygiene check. */
export class SsmParameterValueReader implements SecretValueReader {
  constructor(private readonly client: SSMClient) {}

  async readCurrent(arn: string): Promise<string | undefined> {
    const { name } = splitSelector(arn);
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Type === 'SecureString' ? out.Parameter.Value : undefined;
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      // Names the parameter and the service's code only; no value was read.
      throw new SecretsStoreError(`GetParameter on ${name} failed: ${code}`, code, { cause: error });
    }
  }
}
