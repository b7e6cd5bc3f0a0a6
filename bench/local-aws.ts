import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { median } from './stats';

/**
 * The local AWS's speed patch (cli/local/moto_patches/dynamodb.py, "transactions copy only what
 * they touch"): a one-item transaction on a table of 3,000 items against the same on an empty
 * table, interleaved in one run. Unpatched moto copied the whole table on every transaction
 * (about half a second against a few milliseconds); patched, the two are about equal.
 */
export async function printLocalAwsFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-local-aws-moto.log'), detached: false });
  try {
    Object.assign(process.env, localEnv(moto.endpoint));
    const db = new DynamoDBClient({});
    const table = async () => {
      const TableName = `bench-ddb-${randomUUID().slice(0, 8)}`;
      await db.send(new CreateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }));
      return TableName;
    };
    const [empty, big] = [await table(), await table()];
    const item = (i: number) => ({ pk: { S: `item-${i}` }, ...Object.fromEntries(Array.from({ length: 19 }, (_, a) => [`a${a}`, { S: `value-${i}-${a}` }])) });
    for (let b = 0; b < 3000 / 25; b++) {
      await db.send(new BatchWriteItemCommand({ RequestItems: { [big]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: item(b * 25 + i) } })) } }));
    }
    const once = async (TableName: string) => {
      const start = performance.now();
      await db.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName, Item: { pk: { S: `t-${randomUUID()}` } } } }] }));
      return performance.now() - start;
    };
    const [emptyMs, bigMs]: [number[], number[]] = [[], []];
    for (let i = 0; i < 21; i++) {
      emptyMs.push(await once(empty));
      bigMs.push(await once(big));
    }
    console.log(
      `local AWS, a one-item DynamoDB transaction: ${median(bigMs).toFixed(1)} ms on a table of 3,000 items vs ${median(emptyMs).toFixed(1)} ms on an empty one ` +
        `(${(median(bigMs) / median(emptyMs)).toFixed(2)}x; unpatched moto copies the whole table per transaction)`,
    );
    db.destroy();
  } finally {
    await stopServer(moto.pid);
  }
}
