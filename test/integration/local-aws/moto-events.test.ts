import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';

// The EventBridge patches (cli/local/moto_patches/events.py), each test named after its patch:
// findings travel EventBridge -> SQS locally too, so a target must receive what AWS sends it.
// Each test fails on moto without its patch.
const events = new EventBridgeClient({});
const queues = new SQSClient({});
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;

async function queueFor(ruleName: string, target: Record<string, string>, rule: { EventPattern?: string; ScheduleExpression?: string } = {}) {
  const { QueueUrl } = await queues.send(new CreateQueueCommand({ QueueName: `shim-${ruleName}` }));
  await events.send(new PutRuleCommand({ Name: ruleName, ...(rule.ScheduleExpression ? rule : { EventPattern: JSON.stringify({ source: [`shim.${ruleName}`] }) }) }));
  await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 't', Arn: queueArn(`shim-${ruleName}`), ...target }] }));
  return QueueUrl!;
}

async function put(source: string, detail: object): Promise<number> {
  const out = await events.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'Finding', Detail: JSON.stringify(detail) }] }));
  return out.FailedEntryCount ?? 0;
}

async function received(queueUrl: string, waitSeconds = 2): Promise<unknown> {
  const { Messages } = await queues.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: waitSeconds }));
  return Messages?.[0] ? JSON.parse(Messages[0].Body!) : undefined;
}

async function deliver(ruleName: string, queueUrl: string, detail: object): Promise<unknown> {
  expect(await put(`shim.${ruleName}`, detail)).toBe(0);
  return received(queueUrl);
}

describe('moto EventBridge patches (cli/local/moto_patches/events.py)', () => {
  it('Input and InputPath: a target with Input receives exactly its Input (moto sent the whole event)', async () => {
    const url = await queueFor('constant', { Input: '{"kind":"tick"}' });
    expect(await deliver('constant', url, { a: 1 })).toEqual({ kind: 'tick' });
  });

  it('Input and InputPath, and a payload\'s own time: a target with InputPath receives the part it selects, its own "time" field kept as text (moto failed converting it)', async () => {
    const url = await queueFor('path', { InputPath: '$.detail' });
    const detail = { ruleId: 'r1', time: '2026-01-01T00:00:00Z' };
    expect(await deliver('path', url, detail)).toEqual(detail);
  });

  it('Input and InputPath leave a plain target as it was: the whole event, with its time as a date', async () => {
    const url = await queueFor('whole', {});
    expect(await deliver('whole', url, { a: 1 })).toMatchObject({ source: 'shim.whole', 'detail-type': 'Finding', detail: { a: 1 }, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('schedule rules: a rule with a schedule and no pattern receives no event put on its bus (moto matched every one)', async () => {
    const scheduled = await queueFor('scheduled', {}, { ScheduleExpression: 'rate(1 hour)' });
    const matching = await queueFor('listening', {});
    expect(await put('shim.listening', { a: 1 })).toBe(0);
    expect(await received(matching)).toMatchObject({ source: 'shim.listening' });
    expect(await received(scheduled, 1)).toBeUndefined();
  });
});
