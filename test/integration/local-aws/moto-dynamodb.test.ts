import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';

// The DynamoDB patches (cli/local/moto_patches/dynamodb.py), each test named after its patch.
// Each test fails on moto without its patch.
const db = new DynamoDBClient({});

async function table(): Promise<string> {
  const TableName = `moto-ddb-${randomUUID().slice(0, 8)}`;
  await db.send(new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
  return TableName;
}

/** `count` items of twenty attributes each, 25 per BatchWriteItem, four batches at a time. */
async function fill(TableName: string, count: number): Promise<void> {
  const item = (i: number) => ({ pk: { S: `item-${i}` }, ...Object.fromEntries(Array.from({ length: 19 }, (_, a) => [`a${a}`, { S: `value-${i}-${a}` }])) });
  const batches = Array.from({ length: Math.ceil(count / 25) }, (_, b) => Array.from({ length: Math.min(25, count - b * 25) }, (_, i) => item(b * 25 + i)));
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(batches.slice(i, i + 4).map((batch) => db.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: batch.map((Item) => ({ PutRequest: { Item } })) } }))));
  }
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

async function millis(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('moto DynamoDB patches (cli/local/moto_patches/dynamodb.py)', () => {
  it('transactions copy only what they touch: a transaction on a table of 3,000 items takes about as long as on an empty one (moto copied the whole table on every call)', async () => {
    const [small, big] = [await table(), await table()];
    await fill(big, 3000);
    const transaction = (TableName: string) => () => db.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName, Item: { pk: { S: `t-${randomUUID()}` } } } }] }));
    const smallTimes: number[] = [];
    const bigTimes: number[] = [];
    // Interleaved, so both see the same load on the machine.
    for (let i = 0; i < 5; i++) {
      smallTimes.push(await millis(transaction(small)));
      bigTimes.push(await millis(transaction(big)));
    }
    // Unpatched, the big table's transaction takes about half a second against a few milliseconds.
    expect(median(bigTimes)).toBeLessThan(median(smallTimes) * 3 + 50);
  });

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
