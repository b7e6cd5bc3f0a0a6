import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { EmergencyLedger } from '../emergency/ledger';

/** A claim still `running` after this long belongs to a run that died (a Lambda timeout). */
const STALE_CLAIM_SECONDS = 20 * 60;

/**
 * The emergency ledger in one DynamoDB table (`pk` string key, `expiresAt` TTL): items
 * `request#<id>` and `lock#<secret arn>`, each written with a condition so that two concurrent
 * writers cannot both win.
 */
export class DynamoDbEmergencyLedger implements EmergencyLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claimRequest(requestId: string, ttlSeconds: number): Promise<{ claimed: true } | { claimed: false; report?: unknown }> {
    const now = this.nowSeconds();
    const pk = `request#${requestId}`;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: pk }, status: { S: 'running' }, claimedAt: { N: String(now) }, expiresAt: { N: String(now + ttlSeconds) } },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :running AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': { S: 'running' }, ':stale': { N: String(now - STALE_CLAIM_SECONDS) } },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }))).Item;
      const report = item?.report?.S;
      return { claimed: false, report: report ? JSON.parse(report) : undefined };
    }
  }

  async finishRequest(requestId: string, report: unknown, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: `request#${requestId}` } },
        UpdateExpression: 'SET #status = :done, report = :report, expiresAt = :expires',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':done': { S: 'done' },
          ':report': { S: JSON.stringify(report) },
          ':expires': { N: String(this.nowSeconds() + ttlSeconds) },
        },
      }),
    );
  }

  async lockSecret(secretArn: string, requestId: string, ttlSeconds: number): Promise<{ locked: true } | { locked: false; heldBy: string }> {
    const now = this.nowSeconds();
    const key = { pk: { S: `lock#${secretArn}` } };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...key, heldBy: { S: requestId }, expiresAt: { N: String(now + ttlSeconds) } },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR heldBy = :me',
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':me': { S: requestId } },
        }),
      );
      return { locked: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
      return { locked: false, heldBy: item?.heldBy?.S ?? 'another request' };
    }
  }

  async releaseSecret(secretArn: string, requestId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `lock#${secretArn}` } },
          ConditionExpression: 'heldBy = :me',
          ExpressionAttributeValues: { ':me': { S: requestId } },
        }),
      );
    } catch (error) {
      // Someone took the lock over after ours expired; theirs is not ours to delete.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
