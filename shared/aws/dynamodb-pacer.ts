import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SendPacer } from '../alerting/pacing';
import { KeywardenError } from '../errors';

/**
 * {@link SendPacer} shared by every instance of the alert function: the next free slot of each
 * destination is an item (`pace#<key>`) in the alert table, moved forward with a conditional
 * write, so two instances never take the same slot and a webhook gets about one message per
 * interval however many instances run.
 */
export class DynamoDbPacer implements SendPacer {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async reserve(key: string, intervalMs: number): Promise<number> {
    const pk = `pace#${key}`;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const now = this.now();
      const item = await this.call(() => this.db.send(new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true })));
      const previous = item.Item?.nextFreeAt as number | undefined;
      const slot = Math.max(now, previous ?? 0);
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk, nextFreeAt: slot + intervalMs, expiresAt: Math.floor((slot + intervalMs) / 1000) + 3600 },
            ...(previous === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'nextFreeAt = :previous', ExpressionAttributeValues: { ':previous': previous } }),
          }),
        );
        return slot - now;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw paceError(error);
      }
    }
    // Ten writers in a row took the slot first: wait one interval rather than fail the alert.
    return intervalMs;
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw paceError(error);
    }
  }
}

function paceError(error: unknown): KeywardenError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  return new KeywardenError(`send pacing: DynamoDB failed: ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
