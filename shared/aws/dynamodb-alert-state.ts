import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  type BatchGetCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AlertStateStore, ClaimContext, ClaimResult, DeliveryRecord, FindingState, FloodWrites, GroupState } from '../alerting/alert-state';
import type { ChannelName } from '../alerting/channel';
import type { FloodGroupState, FloodKeys, PageCapState } from '../alerting/flood-control';
import { KeywardenError } from '../errors';

/**
 * {@link AlertStateStore} in one DynamoDB table (partition key `pk`, TTL attribute `expiresAt`):
 * `group#<dedupKey>` items hold a group, `finding#<id>` items an occurrence. A claim is one
 * transaction (the finding's item only if absent, the group only at the version read), so two
 * instances handling repeats of one key at once count both and send once. Flood control's items
 * (`flood#<hash>`, `pagecap#<hash>`, keys from flood-control.ts) are read in the same batch and
 * written in the same transaction, each at the version read, so concurrent instances agree on
 * every count, every page and the one cap summary.
 */
export class DynamoDbAlertState implements AlertStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** How long state is kept; longer than the queue's retention, so a redrive still finds it. */
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getFinding(findingId: string): Promise<FindingState | undefined> {
    return (await this.get(findingKey(findingId))) as FindingState | undefined;
  }

  async getGroup(dedupKey: string): Promise<GroupState | undefined> {
    return (await this.get(groupKey(dedupKey))) as GroupState | undefined;
  }

  async getFindingAndGroup(findingId: string, dedupKey: string, flood?: FloodKeys): Promise<ClaimContext> {
    const wanted = [findingKey(findingId), groupKey(dedupKey), ...(flood ? [flood.flood, flood.cap] : [])];
    const found = await this.batchGet(wanted);
    return {
      finding: found.get(wanted[0]!) as FindingState | undefined,
      group: found.get(wanted[1]!) as GroupState | undefined,
      flood: flood && (found.get(flood.flood) as FloodGroupState | undefined),
      cap: flood && (found.get(flood.cap) as PageCapState | undefined),
    };
  }

  private async batchGet(keys: string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    let request: Record<string, { Keys: Array<Record<string, unknown>>; ConsistentRead: boolean }> | undefined = { [this.table]: { Keys: keys.map((pk) => ({ pk })), ConsistentRead: true } };
    // BatchGetItem may leave keys unprocessed under load; ask again for those.
    for (let attempt = 0; request && attempt < 5; attempt += 1) {
      try {
        const out: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.table] ?? []) found.set(item.pk as string, stripKeys(item));
        const left: Array<Record<string, unknown>> | undefined = out.UnprocessedKeys?.[this.table]?.Keys;
        request = left && left.length > 0 ? { [this.table]: { Keys: left, ConsistentRead: true } } : undefined;
      } catch (error) {
        throw stateError('BatchGetItem', error);
      }
    }
    if (request) throw new KeywardenError('alert state: DynamoDB BatchGetItem left keys unprocessed after 5 attempts');
    return found;
  }

  async claim(finding: FindingState, group: { next?: GroupState; expectedVersion?: number }, writes: FloodWrites = {}): Promise<ClaimResult> {
    const expiresAt = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      { Put: { TableName: this.table, Item: { pk: findingKey(finding.findingId), kind: 'finding', ...finding, expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
      group.next
        ? { Put: { TableName: this.table, Item: { pk: groupKey(finding.dedupKey), kind: 'group', ...group.next, expiresAt }, ...atVersion(group.expectedVersion) } }
        : { ConditionCheck: { TableName: this.table, Key: { pk: groupKey(finding.dedupKey) }, ...atVersion(group.expectedVersion) } },
    ];
    for (const [kind, write] of [['flood', writes.flood], ['pagecap', writes.cap]] as const) {
      if (write) items.push({ Put: { TableName: this.table, Item: { pk: write.key, kind, ...write.next, expiresAt }, ...atVersion(write.expectedVersion) } });
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'claimed';
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error as Error).name === 'TransactionCanceledException') {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'finding-exists';
        if (reasons.slice(1).some((reason) => reason?.Code === 'ConditionalCheckFailed')) return 'group-changed';
      }
      throw stateError('TransactWriteItems (claim)', error);
    }
  }

  async recordDelivery(findingId: string, channel: ChannelName, record: DeliveryRecord): Promise<void> {
    await this.update('UpdateItem (delivery)', {
      Key: { pk: findingKey(findingId) },
      UpdateExpression: 'SET deliveries.#channel = :record',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#channel': channel },
      ExpressionAttributeValues: { ':record': record },
    });
  }

  async markTold(dedupKey: string, channels: ChannelName[], episode: number): Promise<void> {
    if (channels.length === 0) return;
    const names = Object.fromEntries(channels.map((channel, i) => [`#c${i}`, channel]));
    // Bumps the version, so a claim that read the group before this write retries with it.
    await this.update(
      'UpdateItem (told)',
      {
        Key: { pk: groupKey(dedupKey) },
        UpdateExpression: `SET ${channels.map((_, i) => `told.#c${i} = :episode`).join(', ')}, version = version + :one`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':episode': episode, ':one': 1 },
      },
      // A group that expired meanwhile has nobody left to tell about a resolve.
      true,
    );
  }

  async markDeadLettered(findingId: string, at: string | undefined): Promise<void> {
    await this.update(
      'UpdateItem (dead-lettered)',
      at === undefined
        ? { Key: { pk: findingKey(findingId) }, UpdateExpression: 'REMOVE deadLetteredAt', ConditionExpression: 'attribute_exists(pk)' }
        : { Key: { pk: findingKey(findingId) }, UpdateExpression: 'SET deadLetteredAt = :at', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':at': at } },
      true,
    );
  }

  private async get(pk: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }));
      return out.Item ? stripKeys(out.Item) : undefined;
    } catch (error) {
      throw stateError('GetItem', error);
    }
  }

  private async update(what: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>, missingIsFine = false): Promise<void> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, ...input }));
    } catch (error) {
      if (missingIsFine && (error as Error).name === 'ConditionalCheckFailedException') return;
      throw stateError(what, error);
    }
  }
}

const findingKey = (id: string) => `finding#${id}`;

/** The condition of a write at the version read (undefined: the item must not exist yet). */
function atVersion(expectedVersion: number | undefined): { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> } {
  return expectedVersion === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': expectedVersion } };
}

function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, kind: _kind, expiresAt: _expires, ...state } = item;
  return state;
}
const groupKey = (dedupKey: string) => `group#${dedupKey}`;

function stateError(operation: string, error: unknown): KeywardenError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = error instanceof Error ? error.message : String(error);
  return new KeywardenError(`alert state: DynamoDB ${operation} failed: ${name}: ${message}`, { cause: error });
}
