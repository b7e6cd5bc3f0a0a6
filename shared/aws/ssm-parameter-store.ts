import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { SecretsStoreError } from '../errors';
import type { ParameterFacts, ParameterStore, ParameterVersion } from '../ssm/parameter-store';

/** {@link ParameterStore} over the SSM API. Errors name the call, the parameter and the service's code, never a value. */
export class SsmParameterStore implements ParameterStore {
  constructor(private readonly client: SSMClient) {}

  async describe(name: string): Promise<ParameterFacts | undefined> {
    const out = await this.call('DescribeParameters', name, () =>
      this.client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }], MaxResults: 1 })),
    );
    const found = (out.Parameters ?? []).find((p) => p.Name === name);
    if (!found) return undefined;
    const tags = await this.call('ListTagsForResource', name, () => this.client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name })));
    const facts: ParameterFacts = {
      name,
      type: found.Type ?? 'unknown',
      version: found.Version ?? 0,
      tags: Object.fromEntries((tags.TagList ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
    };
    if (found.KeyId) facts.keyId = found.KeyId;
    return facts;
  }

  async history(name: string): Promise<ParameterVersion[]> {
    const versions: ParameterVersion[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.call('GetParameterHistory', name, () => this.client.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: false, MaxResults: 50, NextToken: nextToken })));
      for (const p of out.Parameters ?? []) {
        if (p.Version === undefined) continue;
        const entry: ParameterVersion = { version: p.Version, labels: [...(p.Labels ?? [])] };
        if (p.KeyId) entry.keyId = p.KeyId;
        versions.push(entry);
      }
      nextToken = out.NextToken || undefined;
    } while (nextToken);
    return versions.sort((a, b) => a.version - b.version);
  }

  async read(name: string, version: number): Promise<string> {
    const out = await this.call('GetParameter', `${name}:${version}`, () => this.client.send(new GetParameterCommand({ Name: `${name}:${version}`, WithDecryption: true })));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new SecretsStoreError(`GetParameter on ${name}:${version} returned no value`, 'NoValue');
    return value;
  }

  async put(name: string, value: string, keyId: string | undefined): Promise<number> {
    const out = await this.call('PutParameter', name, () => this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', KeyId: keyId, Overwrite: true })));
    if (out.Version === undefined) throw new SecretsStoreError(`PutParameter on ${name} returned no version`, 'NoVersion');
    return out.Version;
  }

  async label(name: string, version: number, labels: string[]): Promise<void> {
    const out = await this.call('LabelParameterVersion', name, () => this.client.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: labels })));
    if (out.InvalidLabels && out.InvalidLabels.length > 0) throw new SecretsStoreError(`LabelParameterVersion on ${name}: labels refused: ${out.InvalidLabels.join(', ')}`, 'InvalidLabels');
  }

  async unlabel(name: string, version: number, labels: string[]): Promise<void> {
    await this.call('UnlabelParameterVersion', name, () => this.client.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: labels })));
  }

  private async call<T>(what: string, name: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      throw new SecretsStoreError(`${what} on ${name} failed: ${code}`, code, { cause: error });
    }
  }
}
