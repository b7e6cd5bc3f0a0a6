import type { TransactWriteItemsCommand} from '@aws-sdk/client-dynamodb';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { normaliseCloudTrail } from '../../../shared/audit/normalise';
import type { AuditRecord } from '../../../shared/audit/record';
import { DynamoDbAuditStore } from '../../../shared/aws/dynamodb-audit-store';
import { USER, getSecretValue } from '../../support/cloudtrail-records';

const read = (raw: Record<string, unknown>): AuditRecord => {
  const result = normaliseCloudTrail(raw);
  if (result.kind !== 'record') throw new Error(result.reason);
  return result.record;
};

/** A table that refuses, as DynamoDB does with a ValidationException, any transaction holding one event. */
function refusingTable(poisonEventId: string) {
  const calls: number[] = [];
  const client = {
    send: async (command: TransactWriteItemsCommand) => {
      const items = command.input.TransactItems ?? [];
      calls.push(items.length);
      if (items.some((item) => item.Put?.Item?.eventId?.S === poisonEventId)) {
        throw Object.assign(new Error('One or more parameter values were invalid: Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
      }
      return {};
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

describe('the DynamoDB audit store (one adapter, its SDK client faked)', () => {
  it('attack: a record the table refuses for good -> reported alone with the reason, every other record of its chunk stored', async () => {
    const records = Array.from({ length: 40 }, (_, i) => read(getSecretValue(`app/tenant-1/s-${i}`, USER, `2024-05-01T10:00:${String(i).padStart(2, '0')}Z`)));
    const poison = records[17]!.eventId;
    const { client, calls } = refusingTable(poison);
    const outcome = await new DynamoDbAuditStore(client, 'audit', 365).putNew(records);
    expect([...outcome.refused]).toEqual([[poison, expect.stringMatching(/^the audit table refused the record: ValidationException: .*Item size/)]]);
    expect(outcome.stored.size).toBe(39);
    expect(outcome.stored.has(poison)).toBe(false);
    // Halving finds it in a handful of calls, not one per record.
    expect(calls.length).toBeLessThanOrEqual(14);
  });

  it('writes every key within DynamoDB\'s limits for a 3,000-character multibyte secret id', async () => {
    const items: Array<Record<string, { S?: string }>> = [];
    const client = { send: async (command: TransactWriteItemsCommand) => void items.push(...(command.input.TransactItems ?? []).map((i) => i.Put!.Item! as Record<string, { S?: string }>)) } as unknown as DynamoDBClient;
    await new DynamoDbAuditStore(client, 'audit', 365).putNew([read(getSecretValue(`app/tenant-1/${'é'.repeat(3000)}`))]);
    const bytes = (attribute: string) => Buffer.byteLength(items[0]![attribute]!.S!, 'utf8');
    expect(bytes('part')).toBeLessThanOrEqual(1024);
    expect(bytes('secretName')).toBeLessThanOrEqual(2048);
    expect(bytes('timeId')).toBeLessThanOrEqual(1024);
    expect(bytes('record')).toBeLessThanOrEqual(100_000);
  });
});
