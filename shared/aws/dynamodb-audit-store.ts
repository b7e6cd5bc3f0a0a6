import { randomUUID } from 'node:crypto';
import { QueryCommand, TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { boundedText } from '../audit/bounded';
import type { AuditRecord } from '../audit/record';
import type { AuditQuery, AuditStore, PutOutcome, RecordCount, RecordCounter } from '../audit/store';
import { auditIndexEntries, boundedQueryValue, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, newestFirst, sumCounts } from '../audit/store';
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
 * once, and the caller learns which events were new. The same transaction adds the events'
 * counts to the detector-state table (`counterTable`), so a count is applied exactly when its
 * event is stored, never twice and never lost to a failure after the store. 1,000 events cost
 * about 10 calls.
 *
 * Keys are bounded (DynamoDB: 1,024 bytes for `part`, 2,048 for an index's partition key), and a
 * record whose JSON is over {@link MAX_RECORD_BYTES} is stored trimmed (its secrets by bounded
 * name, no request details), so no record can make an item exceed 400 KB or a transaction 4 MB.
 * Should the table still refuse a record (a ValidationException), the transaction is split until
 * the record is alone; it is reported as refused, with the reason, and the others are stored.
 */
export class DynamoDbAuditStore implements AuditStore {
  private readonly counterTable?: string;
  private readonly now: () => Date;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
    options: { counterTable?: string; now?: () => Date } = {},
  ) {
    this.counterTable = options.counterTable;
    this.now = options.now ?? (() => new Date());
  }

  async putNew(records: readonly AuditRecord[], counter?: RecordCounter): Promise<PutOutcome> {
    if (counter && !this.counterTable) throw new KeywardenError('the audit store was given a counter but no counter table');
    const stored = new Set<string>();
    const refused = new Map<string, string>();
    const expiresAt = Math.ceil(this.now().getTime() / 1000) + this.retentionDays * 86_400;
    const entries = records.map((record) => ({ record, items: itemsOf(record, this.table, expiresAt), count: counter?.(record) }));
    for (const chunk of chunks(entries)) {
      const outcome = await this.writeIsolating(chunk);
      for (const id of outcome.stored) stored.add(id);
      for (const [id, reason] of outcome.refused) refused.set(id, reason);
    }
    return { stored, refused };
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
          ExpressionAttributeValues: { ':v': { S: boundedQueryValue(query) }, ':from': { S: query.since }, ':to': { S: `${query.until}#\uffff` } },
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

  /**
   * Writes a chunk; when the table refuses it as invalid, halves it until the record at fault is
   * alone, so one bad record costs a few more calls and never its batch.
   */
  private async writeIsolating(chunk: Entry[]): Promise<{ stored: string[]; refused: Array<[string, string]> }> {
    try {
      return { stored: await this.writeChunk(chunk), refused: [] };
    } catch (error) {
      if ((error as Error)?.name !== 'ValidationException') throw error;
      if (chunk.length === 1) return { stored: [], refused: [[chunk[0]!.record.eventId, `the audit table refused the record: ValidationException: ${boundedText(String((error as Error).message ?? ''), 200)}`]] };
      const half = Math.ceil(chunk.length / 2);
      const first = await this.writeIsolating(chunk.slice(0, half));
      const second = await this.writeIsolating(chunk.slice(half));
      return { stored: [...first.stored, ...second.stored], refused: [...first.refused, ...second.refused] };
    }
  }

  /** Writes one transaction's worth (events and their counts); returns the event ids it stored. */
  private async writeChunk(chunk: Entry[]): Promise<string[]> {
    let pending = chunk;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      try {
        const items = pending.flatMap((e) => e.items);
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: [...items, ...counterUpdates(pending, this.counterTable)], ClientRequestToken: randomUUID() }));
        return pending.map((e) => e.record.eventId);
      } catch (error) {
        const codes = cancellationCodes(error);
        if (!codes) throw error;
        // Which events were already stored: their items failed the condition. Drop them (and
        // their counts: they were counted when stored), retry the rest.
        let offset = 0;
        const stillPending: Entry[] = [];
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

interface Entry {
  record: AuditRecord;
  items: TransactWriteItem[];
  count?: RecordCount;
}

const ATTEMPTS = 6;
/** TransactWriteItems takes at most 100 items and 4 MB. */
const MAX_ITEMS = 100;
const MAX_BYTES = 3_500_000;
/**
 * A record's JSON above this is stored trimmed. Every item of an event carries the JSON (the
 * indexes project it), and an event names up to 20 secrets: 20 items of 100 KB stay within a
 * transaction's 4 MB and far within an item's 400 KB.
 */
export const MAX_RECORD_BYTES = 100_000;

function chunks(entries: Entry[]): Entry[][] {
  const out: Entry[][] = [];
  let current: Entry[] = [];
  let items = 0;
  let bytes = 0;
  let counters = new Set<string>();
  for (const entry of entries) {
    const size = entry.items.reduce((sum, item) => sum + Buffer.byteLength(item.Put?.Item?.record?.S ?? '', 'utf8') + 4096, 0);
    const newCounter = entry.count && !counters.has(entry.count.key) ? 1 : 0;
    if (current.length > 0 && (items + entry.items.length + counters.size + newCounter > MAX_ITEMS || bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      items = 0;
      bytes = 0;
      counters = new Set();
    }
    current.push(entry);
    items += entry.items.length;
    bytes += size;
    if (entry.count) counters.add(entry.count.key);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** One UpdateItem per counter item the entries touch, adding each attribute's events. */
function counterUpdates(entries: readonly Entry[], table: string | undefined): TransactWriteItem[] {
  return sumCounts(entries.map((e) => e.count)).map((sum) => {
    const names: Record<string, string> = { '#ttl': 'expiresAt' };
    const values: Record<string, AttributeValue> = { ':ttl': { N: String(sum.expiresAt) } };
    const adds = [...sum.adds].map(([attribute, n], i) => {
      names[`#a${i}`] = attribute;
      values[`:v${i}`] = { N: String(n) };
      return `#a${i} :v${i}`;
    });
    // The first count sets the hour's expiry; every later count computes the same one.
    return {
      Update: {
        TableName: table!,
        Key: { key: { S: sum.key } },
        UpdateExpression: `SET #ttl = if_not_exists(#ttl, :ttl) ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

function itemsOf(record: AuditRecord, table: string, expiresAt: number): TransactWriteItem[] {
  const json = recordJson(record);
  const entries = auditIndexEntries(record);
  const eventId = boundedText(record.eventId, MAX_PARTITION_KEY_BYTES);
  const timeId = boundedText(`${record.time}#${record.eventId}`, MAX_SORT_KEY_BYTES);
  const anyTenant = record.secrets.some((s) => s.tenant);
  const parts = record.secrets.length > 0 ? record.secrets : [undefined];
  return parts.map((secret, i) => {
    const name = secret ? entries.secrets[i]! : undefined;
    const item: Record<string, AttributeValue> = {
      eventId: { S: eventId },
      part: { S: name ?? '-' },
      timeId: { S: timeId },
      record: { S: json },
      expiresAt: { N: String(expiresAt) },
    };
    if (name) item.secretName = { S: name };
    if (i === 0) item.principalKey = { S: entries.principal };
    const tenant = secret?.tenant ?? (i === 0 && !anyTenant ? record.principal.tenant : undefined);
    if (tenant) item.tenant = { S: boundedText(tenant, MAX_PARTITION_KEY_BYTES) };
    return { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(eventId)' } };
  });
}

/** The record as stored: whole, or trimmed when its JSON is over {@link MAX_RECORD_BYTES}. */
function recordJson(record: AuditRecord): string {
  const json = JSON.stringify(record);
  if (json.length * 3 <= MAX_RECORD_BYTES || Buffer.byteLength(json, 'utf8') <= MAX_RECORD_BYTES) return json;
  const short = (value: string | undefined) => (value === undefined ? undefined : boundedText(value, 256));
  const trimmed: AuditRecord = {
    ...record,
    userAgent: short(record.userAgent),
    errorMessage: short(record.errorMessage),
    principal: { ...record.principal, arn: short(record.principal.arn), sessionIssuerArn: short(record.principal.sessionIssuerArn) },
    secrets: record.secrets.map((s) => ({ id: boundedText(s.name, 256), name: boundedText(s.name, 256), ...(s.tenant ? { tenant: boundedText(s.tenant, 256) } : {}) })),
    filters: undefined,
    details: { trimmed: `the record was ${Math.ceil(Buffer.byteLength(json, 'utf8') / 1000)} KB as JSON, over ${MAX_RECORD_BYTES / 1000} KB: request details dropped, secrets kept by name` },
  };
  return JSON.stringify(trimmed);
}
