import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { processAlertMessage, type AlertPipelineDeps } from '../../shared/alerting/alert-pipeline';
import type { FindingState, GroupState } from '../../shared/alerting/alert-state';
import type { Alert, AlertChannel, ChannelName } from '../../shared/alerting/channel';
import { parseChannelConfig } from '../../shared/alerting/channel-config';
import { dedupKeyOf, type Finding } from '../../shared/finding';
import { decideClaim } from '../../shared/alerting/grouping';
import { dynamoDb } from '../../shared/aws/clients';
import { DynamoDbAlertState } from '../../shared/aws/dynamodb-alert-state';
import { DynamoDbPacer } from '../../shared/aws/dynamodb-pacer';
import { templateResource } from '../support/local-aws';
import { systemClock } from '../../shared/clock';
import { sampleFinding } from '../support/alert-samples';

// The DynamoDB adapters against the template's alert-state table in the local AWS.

const db = () => DynamoDBDocumentClient.from(dynamoDb(), { marshallOptions: { removeUndefinedValues: true } });
const store = () => new DynamoDbAlertState(db(), templateResource('AlertStateTable'), 30 * 86_400);
const WINDOW = 15 * 60_000;

function claimOf(id: string, group: GroupState | undefined, now = new Date('2025-11-20T10:00:00Z')) {
  const finding = { ...sampleFinding('staleness'), id };
  const decision = decideClaim(finding, group, now, WINDOW);
  const state: FindingState = {
    findingId: id,
    dedupKey: finding.dedupKey,
    status: 'open',
    role: decision.role,
    episode: decision.episode,
    channels: ['slack', 'sns'],
    summary: decision.summary,
    deliveries: {},
    claimedAt: now.toISOString(),
  };
  return { state, next: decision.next, expectedVersion: group?.version };
}

describe('the DynamoDB alert state', () => {
  it('claims an occurrence once, with a TTL, and refuses the same id again', async () => {
    const s = store();
    const first = claimOf('f1', undefined);
    expect(await s.claim(first.state, first)).toBe('claimed');
    expect(await s.claim(first.state, { next: first.next, expectedVersion: 1 })).toBe('finding-exists');
    expect(await s.getFinding('f1')).toEqual(first.state);
    expect(await s.getGroup(first.state.dedupKey)).toEqual(first.next);
    const raw = await db().send(new GetCommand({ TableName: templateResource('AlertStateTable'), Key: { pk: 'finding#f1' } }));
    expect(raw.Item!.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
  });

  it('lets one of two writers that read the same group win, and leaves no trace of the other', async () => {
    const s = store();
    const opening = claimOf('f1', undefined);
    await s.claim(opening.state, opening);
    const group = (await s.getGroup(opening.state.dedupKey))!;
    const a = claimOf('a', group);
    const b = claimOf('b', group);
    expect(await s.claim(a.state, a)).toBe('claimed');
    expect(await s.claim(b.state, b)).toBe('group-changed');
    expect(await s.getFinding('b')).toBeUndefined();
    expect(await s.getGroup(opening.state.dedupKey)).toMatchObject({ windowCount: 2, version: 2 });
  });

  it('records deliveries, the channels told, and the dead-letter mark', async () => {
    const s = store();
    const c = claimOf('f1', undefined);
    await s.claim(c.state, c);
    await s.recordDelivery('f1', 'slack', { outcome: 'sent', at: '2025-11-20T10:00:01.000Z', attempt: 1 });
    await s.recordDelivery('f1', 'sns', { outcome: 'failed', at: '2025-11-20T10:00:01.000Z', attempt: 1, reason: 'sns: Throttling' });
    await s.markTold(c.state.dedupKey, ['slack', 'pagerduty'], 1);
    await s.markDeadLettered('f1', '2025-11-20T10:05:00.000Z');
    expect(await s.getFinding('f1')).toMatchObject({
      deliveries: { slack: { outcome: 'sent' }, sns: { outcome: 'failed', reason: 'sns: Throttling' } },
      deadLetteredAt: '2025-11-20T10:05:00.000Z',
    });
    expect(await s.getGroup(c.state.dedupKey)).toMatchObject({ told: { slack: 1, pagerduty: 1 }, version: 2 });
    await s.markDeadLettered('f1', undefined);
    expect((await s.getFinding('f1'))!.deadLetteredAt).toBeUndefined();
    // Telling a group that has expired is not an error.
    await s.markTold('staleness.stale-secret:gone', ['slack'], 1);
  });
});

describe('flood control under concurrent alert instances', () => {
  const CONFIG = parseChannelConfig(
    JSON.stringify({ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' }, pagerduty: { routingKey: 'a'.repeat(32) }, sns: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t' } }),
    { source: 'test' },
  );
  const PRINCIPAL = 'arn:aws:iam::123456789012:user/concurrent-intruder';

  function finding(i: number, ruleId: string): Finding {
    const name = `made-up/${ruleId}/${i}`;
    return { ...sampleFinding('audit'), id: `${ruleId}:${i}`, ruleId, severity: 'critical', secret: { name }, principal: { arn: PRINCIPAL, type: 'IAMUser' }, dedupKey: dedupKeyOf(ruleId, name) };
  }

  /** Two function instances (each its own store) taking findings off one queue at once; what PagerDuty was sent. */
  async function runTwoInstances(findings: Finding[]): Promise<Alert[]> {
    const paged: Alert[] = [];
    const channel = (name: ChannelName): AlertChannel => ({ name, deliver: async (alert) => void (name === 'pagerduty' && paged.push(alert)) });
    const instance = (): AlertPipelineDeps => ({
      state: store(),
      config: { get: async () => CONFIG },
      channels: () => new Map((['pagerduty', 'slack', 'sns'] as const).map((name) => [name, channel(name)])),
      deadLetters: { name: 'dlq', send: async () => undefined },
      fallback: { notify: async () => undefined },
      clock: systemClock,
      settings: { stage: 'ci', windowMs: WINDOW, maxReceives: 5, reserveMs: 0, flood: { windowMs: 3_600_000, pageCapPerHour: 5, firstUpdateAt: 10 } },
    });
    const queue = [...findings];
    const work = async (deps: AlertPipelineDeps) => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const body = JSON.stringify({ source: 'keywarden', 'detail-type': 'keywarden.finding', detail: next });
        expect(await processAlertMessage({ messageId: next.id, body, receiveCount: 1 }, deps, Date.now() + 60_000)).toMatchObject({ result: 'done' });
      }
    };
    await Promise.all([work(instance()), work(instance())]);
    return paged;
  }

  it('agree on one page and the updates at 10 and 20 for twenty findings of one rule', async () => {
    const paged = await runTwoInstances(Array.from({ length: 20 }, (_, i) => finding(i, 'audit.secret-deletion')));
    expect(paged.map((a) => a.flood?.mode).sort()).toEqual(['page', 'update', 'update']);
    expect(paged.filter((a) => a.flood?.mode === 'update').map((a) => a.flood?.count).sort()).toEqual([10, 20]);
    expect(new Set(paged.map((a) => a.finding.dedupKey)).size).toBe(1);
  });

  it('agree on five pages and one summary for eight rules', async () => {
    const paged = await runTwoInstances(Array.from({ length: 8 }, (_, i) => finding(i, `audit.rule-${i}`)));
    expect(paged.map((a) => a.flood?.mode).sort()).toEqual(['cap-summary', 'page', 'page', 'page', 'page', 'page']);
  });
});

describe('the local AWS transactions the claim relies on (cli/local/moto_patches/dynamodb.py)', () => {
  it('roll back every write of a cancelled transaction, and return each item\'s reason', async () => {
    const TableName = templateResource('AlertStateTable');
    await db().send(new PutCommand({ TableName, Item: { pk: 'kept', n: 1 } }));
    await db().send(new PutCommand({ TableName, Item: { pk: 'blocker' } }));
    const error = await db()
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: 'new' } } },
            { Update: { TableName, Key: { pk: 'kept' }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } } },
            { Put: { TableName, Item: { pk: 'blocker' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      )
      .catch((e: unknown) => e as { name: string; CancellationReasons: Array<{ Code: string }> });
    expect(error).toMatchObject({ name: 'TransactionCanceledException' });
    expect((error as { CancellationReasons: Array<{ Code: string }> }).CancellationReasons.map((r) => r.Code)).toEqual(['None', 'None', 'ConditionalCheckFailed']);
    expect((await db().send(new GetCommand({ TableName, Key: { pk: 'new' } }))).Item).toBeUndefined();
    expect((await db().send(new GetCommand({ TableName, Key: { pk: 'kept' } }))).Item).toEqual({ pk: 'kept', n: 1 });
  });
});

describe('the DynamoDB pacer', () => {
  it('gives two function instances consecutive slots one interval apart', async () => {
    let now = 1_000_000;
    const one = new DynamoDbPacer(db(), templateResource('AlertStateTable'), () => now);
    const two = new DynamoDbPacer(db(), templateResource('AlertStateTable'), () => now);
    expect(await one.reserve('slack:abc', 1000)).toBe(0);
    expect(await two.reserve('slack:abc', 1000)).toBe(1000);
    expect(await one.reserve('slack:abc', 1000)).toBe(2000);
    expect(await two.reserve('slack:other', 1000)).toBe(0);
    now += 10_000;
    expect(await two.reserve('slack:abc', 1000)).toBe(0);
  });
});
