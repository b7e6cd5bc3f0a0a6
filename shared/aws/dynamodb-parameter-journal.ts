import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ParameterJournal, ParameterJournalEntry, ParameterPhase } from '../ssm/parameter-journal';

/** An entry outlives any run by far; a forgotten one is visible to `--repair` for this long. */
const ENTRY_TTL_SECONDS = 30 * 24 * 3600;
const PHASES: readonly ParameterPhase[] = ['started', 'written', 'tested', 'rotated'];

/**
 * The parameter journal in the emergency table: item `parameter#<name>`, written with conditions
 * so that only the request that began an entry advances or ends it.
 */
export class DynamoDbParameterJournal implements ParameterJournal {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async begin(entry: ParameterJournalEntry): Promise<{ begun: true } | { begun: false; held: ParameterJournalEntry }> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...toItem(entry), expiresAt: { N: String(this.nowSeconds() + ENTRY_TTL_SECONDS) } },
          ConditionExpression: 'attribute_not_exists(pk) OR requestId = :me',
          ExpressionAttributeValues: { ':me': { S: entry.requestId } },
        }),
      );
      return { begun: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = await this.read(entry.name);
      if (!held) return this.begin(entry);
      return { begun: false, held };
    }
  }

  async advance(name: string, requestId: string, patch: Pick<ParameterJournalEntry, 'phase'> & Partial<Pick<ParameterJournalEntry, 'toVersion' | 'digest'>>): Promise<void> {
    const sets = ['phase = :phase'];
    const values: Record<string, AttributeValue> = { ':phase': { S: patch.phase }, ':me': { S: requestId } };
    if (patch.toVersion !== undefined) {
      sets.push('toVersion = :to');
      values[':to'] = { N: String(patch.toVersion) };
    }
    if (patch.digest !== undefined) {
      sets.push('digest = :digest');
      values[':digest'] = { S: patch.digest };
    }
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(name),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'requestId = :me',
        ExpressionAttributeValues: values,
      }),
    );
  }

  async read(name: string): Promise<ParameterJournalEntry | undefined> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(name), ConsistentRead: true }))).Item;
    return item ? fromItem(item) : undefined;
  }

  /**
   * Every open entry: a run that died part-way, or one running now (`keywarden doctor` lists them).
   * A Scan of the emergency table for `parameter#` items: the doctor's, not a function's, call.
   * A malformed entry is returned by its key, not guessed at.
   */
  async unfinished(): Promise<{ entries: ParameterJournalEntry[]; malformed: string[] }> {
    const entries: ParameterJournalEntry[] = [];
    const malformed: string[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: 'parameter#' } },
          ConsistentRead: true,
          ...(ExclusiveStartKey !== undefined && { ExclusiveStartKey }),
        }),
      );
      for (const item of out.Items ?? []) {
        try {
          entries.push(fromItem(item));
        } catch {
          malformed.push(item.pk?.S?.slice(0, 300) ?? '');
        }
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return { entries: entries.sort((a, b) => a.name.localeCompare(b.name)), malformed };
  }

  async end(name: string, requestId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: key(name), ConditionExpression: 'requestId = :me', ExpressionAttributeValues: { ':me': { S: requestId } } }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

const key = (name: string) => ({ pk: { S: `parameter#${name}` } });

function toItem(entry: ParameterJournalEntry): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    ...key(entry.name),
    name: { S: entry.name },
    requestId: { S: entry.requestId },
    strategy: { S: entry.strategy },
    fromVersion: { N: String(entry.fromVersion) },
    phase: { S: entry.phase },
    startedAt: { S: entry.startedAt },
  };
  if (entry.toVersion !== undefined) item.toVersion = { N: String(entry.toVersion) };
  if (entry.digest !== undefined) item.digest = { S: entry.digest };
  return item;
}

/** Read as input: people with table access can write it; a malformed entry is an error, not a guess. */
function fromItem(item: Record<string, AttributeValue>): ParameterJournalEntry {
  const text = (field: string) => item[field]?.S;
  const whole = (field: string) => (item[field]?.N !== undefined && /^\d{1,9}$/.test(item[field].N) ? Number(item[field].N) : undefined);
  const name = text('name');
  const requestId = text('requestId');
  const strategy = text('strategy');
  const fromVersion = whole('fromVersion');
  const phase = text('phase') as ParameterPhase | undefined;
  if (!name || !requestId || !strategy || fromVersion === undefined || !phase || !PHASES.includes(phase)) {
    throw new Error(`the emergency table's journal entry for a parameter is malformed; remove item ${JSON.stringify(item.pk?.S?.slice(0, 300))} after checking the parameter by hand`);
  }
  const entry: ParameterJournalEntry = { name, requestId, strategy, fromVersion, phase, startedAt: text('startedAt') ?? '' };
  const toVersion = whole('toVersion');
  if (toVersion !== undefined) entry.toVersion = toVersion;
  const digest = text('digest');
  if (digest !== undefined && /^[0-9a-f]{64}$/.test(digest)) entry.digest = digest;
  return entry;
}
