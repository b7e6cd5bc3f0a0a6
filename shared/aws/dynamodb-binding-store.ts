import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConfigError, KeywardenError } from '../errors';
import type { BindingRegistry, RotationBinding } from '../rotation/binding';
import { parseBinding } from '../rotation/binding-record';
import { dynamoDb } from './dynamodb-client';

/**
 * The bindings table (deploy/bindings.yml): one item per secret, key `secretArn` (string), the
 * binding's fields as attributes. The rotate function only reads it (GetItem, strongly
 * consistent, so a binding removed a moment ago is gone for the next step); `keywarden bind`,
 * with an operator's credentials, writes it. Every item read is checked (parseBinding): the
 * table is input like anything else.
 */
export class DynamoDbBindingStore implements BindingRegistry {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(secretArn: string): Promise<RotationBinding | undefined> {
    const item = await this.call('reading', () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { secretArn: { S: secretArn } }, ConsistentRead: true })),
    );
    if (!item.Item) return undefined;
    const binding = parseBinding(fromItem(item.Item), `the binding of ${secretArn} in table ${this.tableName}`);
    if (binding.secretArn !== secretArn) throw new ConfigError(`the binding stored under ${secretArn} in table ${this.tableName} names another secret`);
    return binding;
  }

  async put(binding: RotationBinding): Promise<void> {
    const checked = parseBinding(binding);
    await this.call('writing', () => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(checked) })));
  }

  async remove(secretArn: string): Promise<boolean> {
    const out = await this.call('writing', () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { secretArn: { S: secretArn } }, ReturnValues: 'ALL_OLD' })),
    );
    return out.Attributes !== undefined;
  }

  async list(): Promise<RotationBinding[]> {
    const bindings: RotationBinding[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call('listing', () => this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start, ConsistentRead: true })));
      for (const item of page.Items ?? []) bindings.push(parseBinding(fromItem(item), `a binding in table ${this.tableName}`));
      start = page.LastEvaluatedKey;
    } while (start);
    return bindings.sort((a, b) => a.secretArn.localeCompare(b.secretArn));
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      // Not a ConfigError: a repair reads that as "this pending value can never work" and discards
      // it, while a throttled or unreachable table says nothing about the value (ledger.ts too).
      if (error instanceof ResourceNotFoundException) {
        throw new KeywardenError(`invalid configuration: the bindings table ${this.tableName} does not exist (${what} a binding): deploy the stage, or set KEYWARDEN_BINDINGS_TABLE`, { cause: error });
      }
      const name = error instanceof Error ? error.name : 'Error';
      const hint = what === 'reading' ? '; the rotate role needs dynamodb:GetItem on it' : '';
      throw new KeywardenError(`${what} the bindings table ${this.tableName} failed (${name})${hint}`, { cause: error });
    }
  }
}

/** The store over the shared DynamoDB client: what the rotate function loads at its first step. */
export function dynamoDbBindingStore(tableName: string): DynamoDbBindingStore {
  return new DynamoDbBindingStore(dynamoDb(), tableName);
}

/** Every kind of binding is flat: strings, numbers and lists of strings (parseBinding checked it). */
function toItem(binding: RotationBinding): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(binding) as [string, unknown][]) {
    if (typeof value === 'string') item[key] = { S: value };
    else if (typeof value === 'number') item[key] = { N: String(value) };
    else if (Array.isArray(value)) item[key] = { L: value.map((entry) => ({ S: String(entry) })) };
  }
  return item;
}

/** Plain values from an item; parseBinding decides whether they make a binding. */
function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (value.S !== undefined) plain[key] = value.S;
    else if (value.N !== undefined) plain[key] = Number(value.N);
    else if (value.L !== undefined) plain[key] = value.L.map((entry) => entry.S);
  }
  return plain;
}
