import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { DetectorState, StateItem, StatePut, StateUpdate, StateValue } from '../detection/state';
import { KeywardenError } from '../errors';
import { cancellationCodes, pause } from './dynamodb-transactions';

/** BatchGetItem reads at most 100 keys; TransactWriteItems writes at most 100 items. */
const READ_CHUNK = 100;
const PUT_CHUNK = 100;
const DELETE_CHUNK = 25;
const ATTEMPTS = 6;
/** Updates in flight at once: one per shard and window touched, so a few. */
const PARALLEL_UPDATES = 8;

/**
 * The detector state in DynamoDB (deploy/audit.yml, AuditStateTable): hash key `key`, TTL on
 * `expiresAt`. Reads are strongly consistent; every change to an item is one UpdateItem (ADD for
 * counters and sets, so concurrent batches add up instead of overwriting); creations are
 * conditional puts grouped in transactions of up to 100, so of two writers exactly one creates.
 */
export class DynamoDbDetectorState implements DetectorState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(keys: readonly string[]): Promise<Map<string, StateItem>> {
    const out = new Map<string, StateItem>();
    const unique = [...new Set(keys)];
    const pages: string[][] = [];
    for (let i = 0; i < unique.length; i += READ_CHUNK) pages.push(unique.slice(i, i + READ_CHUNK));
    await Promise.all(pages.map((page) => this.readPage(page, out)));
    return out;
  }

  async update(updates: readonly StateUpdate[]): Promise<Map<string, StateItem>> {
    const out = new Map<string, StateItem>();
    let next = 0;
    const worker = async () => {
      while (next < updates.length) {
        const update = updates[next++]!;
        out.set(update.key, await this.updateOne(update));
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPDATES, updates.length) }, worker));
    return out;
  }

  async putIfAbsent(puts: readonly StatePut[]): Promise<Set<string>> {
    const created = new Set<string>();
    const unique = [...new Map(puts.map((p) => [p.key, p])).values()];
    for (let i = 0; i < unique.length; i += PUT_CHUNK) {
      for (const key of await this.putChunk(unique.slice(i, i + PUT_CHUNK))) created.add(key);
    }
    return created;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      let requests: WriteRequest[] = keys.slice(i, i + DELETE_CHUNK).map((key) => ({ DeleteRequest: { Key: { key: { S: key } } } }));
      for (let attempt = 1; requests.length > 0; attempt += 1) {
        if (attempt > ATTEMPTS) throw new KeywardenError(`deleting ${requests.length} detector-state item(s) from ${this.table} kept being throttled`);
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: requests } }));
        requests = out.UnprocessedItems?.[this.table] ?? [];
        if (requests.length > 0) await pause(attempt);
      }
    }
  }

  private async readPage(keys: string[], out: Map<string, StateItem>): Promise<void> {
    let request: KeysAndAttributes | undefined = { Keys: keys.map((key) => ({ key: { S: key } })), ConsistentRead: true };
    for (let attempt = 1; request?.Keys?.length; attempt += 1) {
      if (attempt > ATTEMPTS) throw new KeywardenError(`reading detector state from ${this.table} kept being throttled`);
      const answer: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: request } }));
      for (const item of answer.Responses?.[this.table] ?? []) {
        const key = item.key?.S;
        if (key) out.set(key, unmarshal(item));
      }
      request = answer.UnprocessedKeys?.[this.table];
      if (request?.Keys?.length) await pause(attempt);
    }
  }

  private async updateOne(update: StateUpdate): Promise<StateItem> {
    const names: Record<string, string> = { '#ttl': 'expiresAt' };
    const values: Record<string, AttributeValue> = { ':ttl': { N: String(update.expiresAt) } };
    const adds: string[] = [];
    const sets: string[] = ['#ttl = :ttl'];
    let n = 0;
    const name = (attribute: string) => {
      const placeholder = `#a${n}`;
      names[placeholder] = attribute;
      return placeholder;
    };
    const value = (v: AttributeValue) => {
      const placeholder = `:v${n++}`;
      values[placeholder] = v;
      return placeholder;
    };
    for (const [attribute, v] of Object.entries(update.add ?? {})) {
      if (typeof v !== 'number' && v.length === 0) continue;
      adds.push(`${name(attribute)} ${value(typeof v === 'number' ? { N: String(v) } : { SS: [...v] })}`);
    }
    for (const [attribute, v] of Object.entries(update.setIfAbsent ?? {})) {
      const placeholder = name(attribute);
      sets.push(`${placeholder} = if_not_exists(${placeholder}, ${value(scalar(v))})`);
    }
    for (const [attribute, v] of Object.entries(update.set ?? {})) sets.push(`${name(attribute)} = ${value(scalar(v))}`);
    const removes = (update.remove ?? []).map((attribute) => {
      const placeholder = `#r${n++}`;
      names[placeholder] = attribute;
      return placeholder;
    });
    const expression = [`SET ${sets.join(', ')}`, adds.length ? `ADD ${adds.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
    const answer = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { key: { S: update.key } },
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return unmarshal(answer.Attributes ?? {});
  }

  /** Creates what it can of up to 100 items; returns the keys it created. */
  private async putChunk(puts: StatePut[]): Promise<string[]> {
    let pending = puts;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      try {
        await this.client.send(
          new TransactWriteItemsCommand({
            ClientRequestToken: randomUUID(),
            TransactItems: pending.map((put) => ({
              Put: { TableName: this.table, Item: marshalPut(put), ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } },
            })),
          }),
        );
        return pending.map((p) => p.key);
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes) throw error;
        const unexpected = codes.find((code) => !['None', 'ConditionalCheckFailed', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'].includes(code));
        if (unexpected) throw new KeywardenError(`creating detector state in ${this.table} was refused: ${unexpected}`, { cause: error });
        // Items that exist already were created by someone else; retry the rest.
        pending = pending.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
        if (pending.length === 0) return [];
        await pause(attempt);
      }
    }
    throw new KeywardenError(`creating ${pending.length} detector-state item(s) in ${this.table} kept conflicting after ${ATTEMPTS} attempts`);
  }
}

function scalar(v: string | number): AttributeValue {
  return typeof v === 'number' ? { N: String(v) } : { S: v };
}

function marshalPut(put: StatePut): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { key: { S: put.key } };
  for (const [attribute, v] of Object.entries(put.item)) {
    if (typeof v === 'string' || typeof v === 'number') item[attribute] = scalar(v);
    else if (v.length > 0) item[attribute] = { SS: [...(v as readonly string[])] };
  }
  if (put.expiresAt !== undefined) item.expiresAt = { N: String(put.expiresAt) };
  return item;
}

function unmarshal(item: Record<string, AttributeValue>): StateItem {
  const out: Record<string, StateValue> = {};
  for (const [attribute, v] of Object.entries(item)) {
    if (attribute === 'key' || attribute === 'expiresAt') continue;
    if (v.S !== undefined) out[attribute] = v.S;
    else if (v.N !== undefined) out[attribute] = Number(v.N);
    else if (v.SS !== undefined) out[attribute] = new Set(v.SS);
  }
  return out;
}
