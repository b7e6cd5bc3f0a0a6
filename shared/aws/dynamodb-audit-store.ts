import { randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from '../audit/record';
import type { AuditQuery, AuditStore } from '../audit/store';
import { newestFirst } from '../audit/store';
import { KeywardenError } from '../errors';
import { cancellationCodes, pause } from './dynamodb-transactions';

/**
 * The audit table in DynamoDB (deploy/audit.yml, AuditTable). One item per secret a record names
 * (one item when it names none), keyed by the CloudTrail event id and the secret:
 *
 * | attribute | what |
 * | --- | --- |
 * | `eventId` (hash), `part` (range) | the event, and the secret name or `-` |
 * | `timeId` | `<ISO time>#<eventId>`: the range key of every index |
 * | `secretName` | index `bySecret` |
 * | `principalKey` | index `byPrincipal` (on the first item of an event only) |
 * | `tenant` | index `byTenant`: the secret's tenant, or the principal's when no secret has one |
 * | `record` | the audit record as JSON |
 * | `expiresAt` | TTL: `KEYWARDEN_AUDIT_RETENTION_DAYS` after it was stored |
 *
 * An event's items are written in one transaction, each on condition that the event is not
 * stored yet: a redelivered event, or the same event in a concurrent batch, is stored exactly
 * once, and the caller learns which events were new. 1,000 events cost about 10 calls.
 */
export class DynamoDbAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async putNew(records: readonly AuditRecord[]): Promise<ReadonlySet<string>> {
    const stored = new Set<string>();
    const expiresAt = Math.ceil(this.now().getTime() / 1000) + this.retentionDays * 86_400;
    for (const chunk of chunks(records.map((record) => ({ record, items: itemsOf(record, this.table, expiresAt) })))) {
      for (const id of await this.writeChunk(chunk)) stored.add(id);
    }
    return stored;
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    const index = { secret: ['bySecret', 'secretName'], principal: ['byPrincipal', 'principalKey'], tenant: ['byTenant', 'tenant'] }[query.by];
    const out = new Map<string, AuditRecord>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index[0],
          KeyConditionExpression: '#k = :v AND timeId BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#k': index[1]! },
          ExpressionAttributeValues: { ':v': { S: query.value }, ':from': { S: query.since }, ':to': { S: `${query.until}#\uffff` } },
          ScanIndexForward: false,
          Limit: Math.min(1000, query.limit * 2),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item.eventId?.S;
        if (!id || out.has(id) || !item.record?.S) continue;
        out.set(id, JSON.parse(item.record.S) as AuditRecord);
        if (out.size >= query.limit) break;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.size < query.limit);
    return [...out.values()].sort(newestFirst);
  }

  /** Writes one transaction's worth; returns the event ids it stored. */
  private async writeChunk(chunk: Array<{ record: AuditRecord; items: TransactWriteItem[] }>): Promise<string[]> {
    let pending = chunk;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: pending.flatMap((e) => e.items), ClientRequestToken: randomUUID() }));
        return pending.map((e) => e.record.eventId);
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes) throw error;
        // Which events were already stored: their items failed the condition. Drop them, retry the rest.
        let offset = 0;
        const stillPending: typeof pending = [];
        for (const entry of pending) {
          const entryCodes = codes.slice(offset, offset + entry.items.length);
          offset += entry.items.length;
          if (!entryCodes.includes('ConditionalCheckFailed')) stillPending.push(entry);
        }
        const unexpected = codes.find((code) => code && !['None', 'ConditionalCheckFailed', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'].includes(code));
        if (unexpected) throw new KeywardenError(`storing audit records in ${this.table} was refused: ${unexpected}`, { cause: error });
        pending = stillPending;
        if (pending.length === 0) return [];
        await pause(attempt);
      }
    }
    throw new KeywardenError(`storing ${pending.length} audit record(s) in ${this.table} kept conflicting after ${ATTEMPTS} attempts`);
  }
}

const ATTEMPTS = 6;
/** TransactWriteItems takes at most 100 items and 4 MB. */
const MAX_ITEMS = 100;
const MAX_BYTES = 3_500_000;

function chunks<T extends { items: TransactWriteItem[] }>(entries: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let items = 0;
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.items.reduce((sum, item) => sum + (item.Put?.Item?.record?.S?.length ?? 0) + 512, 0);
    if (current.length > 0 && (items + entry.items.length > MAX_ITEMS || bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      items = 0;
      bytes = 0;
    }
    current.push(entry);
    items += entry.items.length;
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function itemsOf(record: AuditRecord, table: string, expiresAt: number): TransactWriteItem[] {
  const json = JSON.stringify(record);
  const timeId = `${record.time}#${record.eventId}`;
  const anyTenant = record.secrets.some((s) => s.tenant);
  const parts = record.secrets.length > 0 ? record.secrets : [undefined];
  return parts.map((secret, i) => {
    const item: Record<string, AttributeValue> = {
      eventId: { S: record.eventId },
      part: { S: secret?.name ?? '-' },
      timeId: { S: timeId },
      record: { S: json },
      expiresAt: { N: String(expiresAt) },
    };
    if (secret) item.secretName = { S: secret.name };
    if (i === 0) item.principalKey = { S: record.principal.key };
    const tenant = secret?.tenant ?? (i === 0 && !anyTenant ? record.principal.tenant : undefined);
    if (tenant) item.tenant = { S: tenant };
    return { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(eventId)' } };
  });
}
