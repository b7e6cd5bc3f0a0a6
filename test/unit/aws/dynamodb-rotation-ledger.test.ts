import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbRotationLedger } from '../../../shared/aws/dynamodb-rotation-ledger';

/** A DynamoDB client double that answers GetItem with `item` and records every command. */
function clientReturning(item?: Record<string, unknown>) {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return command.constructor.name === 'GetItemCommand' ? { Item: item } : {};
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const NOW = 1_800_000_000;

describe('DynamoDbRotationLedger', () => {
  it('adds a hash to the string set, keeping the first expiry, under pending#<arn>#<version>', async () => {
    const { client, sent } = clientReturning();
    await new DynamoDbRotationLedger(client, 't', () => NOW).addPendingHash('arn:s', 'v1', 'ab'.repeat(32), 60);
    expect(sent).toEqual([
      {
        name: 'UpdateItemCommand',
        input: expect.objectContaining({
          Key: { pk: { S: 'pending#arn:s#v1' } },
          UpdateExpression: 'ADD hashes :hash SET expiresAt = if_not_exists(expiresAt, :expires)',
          ExpressionAttributeValues: { ':hash': { SS: ['ab'.repeat(32)] }, ':expires': { N: String(NOW + 60) } },
        }),
      },
    ]);
  });

  it('reads records strongly consistent, and treats one past its expiry as absent (DynamoDB deletes it only eventually)', async () => {
    const live = clientReturning({ pk: { S: 'x' }, hashes: { SS: ['h'] }, testedAt: { N: '5' }, expiresAt: { N: String(NOW + 1) } });
    expect(await new DynamoDbRotationLedger(live.client, 't', () => NOW).pendingRecord('arn:s', 'v1')).toEqual({ hashes: ['h'], testedAt: 5, finishedAt: undefined });
    expect(live.sent[0]!.input.ConsistentRead).toBe(true);
    const expired = clientReturning({ pk: { S: 'x' }, hashes: { SS: ['h'] }, expiresAt: { N: String(NOW) } });
    expect(await new DynamoDbRotationLedger(expired.client, 't', () => NOW).pendingRecord('arn:s', 'v1')).toBeUndefined();
    const grant = clientReturning({ pk: { S: 'x' }, requestId: { S: 'inc-1' }, expiresAt: { N: String(NOW - 1) } });
    expect(await new DynamoDbRotationLedger(grant.client, 't', () => NOW).revokeGrant('arn:s', 'tok')).toBeUndefined();
  });

  it('never creates a record when stamping one', async () => {
    const { client, sent } = clientReturning();
    await new DynamoDbRotationLedger(client, 't', () => NOW).markPending('arn:s', 'v1', 'testedAt', NOW);
    expect(sent[0]!.input).toMatchObject({ ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#mark': 'testedAt' } });
  });

  it('writes a revocation grant under revoke#<arn>#<token> with its request id and expiry', async () => {
    const { client, sent } = clientReturning();
    await new DynamoDbRotationLedger(client, 't', () => NOW).grantRevoke('arn:s', 'tok', 'inc-1', 900);
    expect(sent).toEqual([
      { name: 'PutItemCommand', input: { TableName: 't', Item: { pk: { S: 'revoke#arn:s#tok' }, requestId: { S: 'inc-1' }, expiresAt: { N: String(NOW + 900) } } } },
    ]);
  });
});
