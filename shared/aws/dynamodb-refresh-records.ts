import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import type { Claim, RefreshKey, RefreshRecords } from '../refresh/refresh-records';
import type { RefreshActionName } from '../refresh/target';

type Item = Record<string, AttributeValue>;

/**
 * A claim lapses after this long: longer than the refresh function's timeout (120 s), so a live
 * invocation keeps its claim, and shorter than the refresh queue's visibility timeout (720 s), so
 * the redelivery of a message whose invocation died can take the target over.
 */
export const CLAIM_LEASE_SECONDS = 300;
/**
 * How long a done or refused target is remembered. A replay is refused by the record only while it
 * lives; after that, by the stale check unless the version is still AWSCURRENT over a year later.
 */
export const DONE_TTL_SECONDS = 400 * 24 * 3600;

/**
 * {@link RefreshRecords} in the rotation ledger table (`pk` string key, `expiresAt` TTL), items
 * `refresh#<secret arn>#<version id>#<action>#<target>` (state `claimed`, `done` or `refused`)
 * and `refresh-failed#<secret arn>#<action>#<target>`. The refresh role may write only these
 * prefixes (`dynamodb:LeadingKeys` in deploy/refresh.yml). DynamoDB deletes expired items only
 * eventually, so an item past `expiresAt` counts as absent.
 */
export class DynamoDbRefreshRecords implements RefreshRecords {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claim(key: RefreshKey): Promise<Claim> {
    const token = randomUUID();
    const now = this.nowSeconds();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...refreshKey(key), state: { S: 'claimed' }, token: { S: token }, expiresAt: { N: String(now + CLAIM_LEASE_SECONDS) } },
          // Absent, lapsed, or only refused before (the allow-list has changed since).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now OR #state = :refused',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':refused': { S: 'refused' } },
        }),
      );
      return { outcome: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = await this.live(refreshKey(key));
      // Gone between the write and the read (released): another invocation is at it.
      return { outcome: item?.state?.S === 'done' ? 'done' : 'busy' };
    }
  }

  async finish(key: RefreshKey, token: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: refreshKey(key),
        UpdateExpression: 'SET #state = :done, expiresAt = :expires REMOVE #token',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
        ExpressionAttributeValues: { ':done': { S: 'done' }, ':token': { S: token }, ':expires': { N: String(this.nowSeconds() + DONE_TTL_SECONDS) } },
      }),
    );
  }

  async release(key: RefreshKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: refreshKey(key),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { S: token } },
        }),
      );
    } catch (error) {
      // The claim lapsed and another invocation holds it now: it is that one's to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async refusalReported(key: RefreshKey): Promise<boolean> {
    return (await this.live(refreshKey(key))) !== undefined;
  }

  async recordRefusal(key: RefreshKey): Promise<void> {
    const now = this.nowSeconds();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...refreshKey(key), state: { S: 'refused' }, expiresAt: { N: String(now + DONE_TTL_SECONDS) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    } catch (error) {
      // Recorded by a concurrent delivery of the same event.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async markFailed(secretArn: string, action: RefreshActionName, target: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: { ...failedKey(secretArn, action, target), expiresAt: { N: String(this.nowSeconds() + DONE_TTL_SECONDS) } } }),
    );
  }

  async failed(secretArn: string, action: RefreshActionName, target: string): Promise<boolean> {
    return (await this.live(failedKey(secretArn, action, target))) !== undefined;
  }

  async clearFailed(secretArn: string, action: RefreshActionName, target: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: failedKey(secretArn, action, target) }));
  }

  private async live(key: Item): Promise<Item | undefined> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    const expiresAt = item?.expiresAt?.N === undefined ? undefined : Number(item.expiresAt.N);
    if (!item || expiresAt === undefined || expiresAt <= this.nowSeconds()) return undefined;
    return item;
  }
}

const refreshKey = (key: RefreshKey): Item => ({ pk: { S: `refresh#${key.secretArn}#${key.versionId}#${key.action}#${key.target}` } });
const failedKey = (secretArn: string, action: RefreshActionName, target: string): Item => ({ pk: { S: `refresh-failed#${secretArn}#${action}#${target}` } });
