import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';

// The DynamoDB patches (cli/local/moto_patches/dynamodb.py), each test named after its patch.
// Each fails on moto without its patch, but the speed-only one ("transactions copy only what they
// touch"): its test here proves the rollback it must keep; its speed is `npm run bench -- local-aws`.
const db = new DynamoDBClient({});

async function table(): Promise<string> {
  const TableName = `moto-ddb-${randomUUID().slice(0, 8)}`;
  await db.send(new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
  return TableName;
}

/** A transaction that writes every key in `keys`, then fails its condition on `blocker`: cancelled, it must write nothing. */
function cancelledTransaction(TableName: string, keys: string[], blocker: string): TransactWriteItemsCommand {
  const TransactItems: TransactWriteItem[] = keys.map((pk) => ({ Put: { TableName, Item: { pk: { S: pk }, v: { S: 'from-cancelled-transaction' } } } }));
  TransactItems.push({ Put: { TableName, Item: { pk: { S: blocker } }, ConditionExpression: 'attribute_not_exists(pk)' } });
  return new TransactWriteItemsCommand({ TransactItems });
}

async function valueOf(TableName: string, pk: string): Promise<string | undefined> {
  return (await db.send(new GetItemCommand({ TableName, Key: { pk: { S: pk } }, ConsistentRead: true }))).Item?.v?.S;
}

describe('moto DynamoDB patches (cli/local/moto_patches/dynamodb.py)', () => {
  // The patch's speed (a transaction on a big table as fast as on an empty one) is a figure:
  // `npm run bench -- local-aws`.
  it('transactions copy only what they touch, and a cancelled one still writes nothing: the touched items are put back, new ones removed', async () => {
    const TableName = await table();
    await db.send(new PutItemCommand({ TableName, Item: { pk: { S: 'kept' }, v: { S: 'before' } } }));
    await db.send(new PutItemCommand({ TableName, Item: { pk: { S: 'blocker' } } }));
    await expect(db.send(cancelledTransaction(TableName, ['kept', 'new'], 'blocker'))).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await valueOf(TableName, 'kept')).toBe('before');
    expect((await db.send(new GetItemCommand({ TableName, Key: { pk: { S: 'new' } } }))).Item).toBeUndefined();
  });

  it('one request at a time: a cancelled transaction racing plain writes to the same keys never undoes them (moto\'s rollback restored what it saved before they ran)', async () => {
    const TableName = await table();
    await db.send(new PutItemCommand({ TableName, Item: { pk: { S: 'blocker' } } }));
    const keys = Array.from({ length: 99 }, (_, i) => `k${i}`);
    for (let round = 0; round < 5; round++) {
      const value = `round-${round}`;
      await Promise.all([
        ...Array.from({ length: 3 }, () => db.send(cancelledTransaction(TableName, keys, 'blocker')).catch((error: Error) => expect(error.name).toBe('TransactionCanceledException'))),
        ...keys.map((pk) => db.send(new PutItemCommand({ TableName, Item: { pk: { S: pk }, v: { S: value } } }))),
      ]);
      const values = await Promise.all(keys.map((pk) => valueOf(TableName, pk)));
      expect(values.filter((v) => v !== value)).toEqual([]);
    }
  });
});
