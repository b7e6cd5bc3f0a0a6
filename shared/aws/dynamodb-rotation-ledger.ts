import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDb } from './dynamodb-client';
import type { PendingRecord, RevokeGrant, RevokeGrants, RotationLedger } from '../rotation/ledger';

type Item = Record<string, AttributeValue>;

/**
 * The rotation ledger in one DynamoDB table (`pk` string key, `expiresAt` TTL), items
 * `pending#<secret arn>#<version id>` (written by the rotate function) and
 * `revoke#<secret arn>#<token>` (written by the emergency function; deploy/rotate.yml and
 * deploy/emergency.yml limit each role to its own prefix with `dynamodb:LeadingKeys`). DynamoDB
 * deletes expired items only eventually, so reads treat an item past `expiresAt` as absent.
 */
export class DynamoDbRotationLedger implements RotationLedger, RevokeGrants {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async addPendingHash(secretArn: string, versionId: string, sha256: string, ttlSeconds: number): Promise<void> {
    // ADD to a string set: a retried or concurrent createSecret adds its hash beside the first.
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: pendingKey(secretArn, versionId),
        UpdateExpression: 'ADD hashes :hash SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':hash': { SS: [sha256] }, ':expires': { N: String(this.nowSeconds() + ttlSeconds) } },
      }),
    );
  }

  async pendingRecord(secretArn: string, versionId: string): Promise<PendingRecord | undefined> {
    const item = await this.live(pendingKey(secretArn, versionId));
    if (!item) return undefined;
    return { hashes: item.hashes?.SS ?? [], testedAt: numberOf(item.testedAt), finishedAt: numberOf(item.finishedAt) };
  }

  async markPending(secretArn: string, versionId: string, mark: 'testedAt' | 'finishedAt', atSeconds: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: pendingKey(secretArn, versionId),
        UpdateExpression: 'SET #mark = :at',
        // Never creates a record: only createSecret does.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#mark': mark },
        ExpressionAttributeValues: { ':at': { N: String(atSeconds) } },
      }),
    );
  }

  async revokeGrant(secretArn: string, token: string): Promise<RevokeGrant | undefined> {
    const item = await this.live(revokeKey(secretArn, token));
    const requestId = item?.requestId?.S;
    return requestId ? { requestId } : undefined;
  }

  async grantRevoke(secretArn: string, token: string, requestId: string, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { ...revokeKey(secretArn, token), requestId: { S: requestId }, expiresAt: { N: String(this.nowSeconds() + ttlSeconds) } },
      }),
    );
  }

  private async live(key: Item): Promise<Item | undefined> {
    const item = (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    const expiresAt = numberOf(item?.expiresAt);
    if (!item || expiresAt === undefined || expiresAt <= this.nowSeconds()) return undefined;
    return item;
  }
}

/**
 * The ledger on the shared DynamoDB client. The rotate function reaches this module only through
 * `await import()`, so the client (and its SDK code) loads with the first step that needs it.
 */
export function rotationLedgerOn(tableName: string): DynamoDbRotationLedger {
  return new DynamoDbRotationLedger(dynamoDb(), tableName);
}

const pendingKey = (secretArn: string, versionId: string): Item => ({ pk: { S: `pending#${secretArn}#${versionId}` } });
const revokeKey = (secretArn: string, token: string): Item => ({ pk: { S: `revoke#${secretArn}#${token}` } });

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}
