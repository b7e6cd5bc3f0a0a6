import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KeywardenError } from '../errors';
import type { FindingStateStore, OpenFindingRecord } from '../staleness/finding-state';

/** BatchWriteItem takes at most 25 requests a call. */
const BATCH = 25;
const ATTEMPTS = 5;

/**
 * Open staleness findings in DynamoDB: key `dedupKey`, TTL attribute `expiresAt`. The table
 * holds only open problems, so the scan reads it whole (a Scan of a few pages) instead of one
 * GetItem per secret, and writes only what changed, 25 items a call.
 */
export class DynamoDbFindingStateStore implements FindingStateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async loadAll(): Promise<OpenFindingRecord[]> {
    const out: OpenFindingRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      out.push(...((page.Items ?? []) as OpenFindingRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async saveAll(records: readonly OpenFindingRecord[]): Promise<void> {
    await this.write(records.map((record) => ({ PutRequest: { Item: { ...record } } })));
  }

  async deleteAll(dedupKeys: readonly string[]): Promise<void> {
    await this.write(dedupKeys.map((dedupKey) => ({ DeleteRequest: { Key: { dedupKey } } })));
  }

  /** Writes in batches of 25, resending only what DynamoDB left unprocessed, with backoff. */
  private async write(requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH) {
      let pending = requests.slice(start, start + BATCH);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > ATTEMPTS) throw new KeywardenError(`DynamoDB left ${pending.length} write(s) to ${this.tableName} unprocessed after ${ATTEMPTS} attempts`);
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }
}
