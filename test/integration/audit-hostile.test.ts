import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCountingProxy } from '../../bench/counting-proxy';
import { invokeBundle } from '../../cli/bundles';
import { main } from '../../cli/main';
import { LOCAL_ACCOUNT_ID } from '../../cli/local/resolve';
import { parseFinding, type Finding } from '../../shared/finding';
import { entryBytes } from '../../shared/aws/eventbridge-finding-publisher';
import { DynamoDbDetectorState } from '../../shared/aws/dynamodb-detector-state';
import { hourStartMs, shardOf, shortHash, stateKeys } from '../../shared/detection/keys';
import { captureOutput } from '../support/capture-output';
import { localAwsEndpoint, templateResource } from '../support/local-aws';
import { ROTATE_ROLE, USER, cloudTrail, envelope, getSecretValue, inAccount } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, drainQueue, runAuditQueue, sqs, sqsEvent, subscribeToFindingEvents, subscribeToFindings } from '../support/local-audit-pipeline';

/**
 * Attacks on the audit pipeline with hostile CloudTrail records, through the audit queue and the
 * built audit bundle on the local AWS. Each asserts that the attack fails and that everything else
 * in its batch is stored and its findings published as usual.
 */

const dynamo = new DynamoDBClient({});
const REGION = 'us-east-1';
const ownArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${LOCAL_ACCOUNT_ID}:secret:${name}-AbC123`;
const alice = inAccount(USER, LOCAL_ACCOUNT_ID);

/** The bundle's EventBridge calls pass through a proxy that keeps PutEvents bodies (set before the bundle loads). */
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
beforeAll(async () => {
  proxy = await startCountingProxy(localAwsEndpoint(), ['AWSEvents.PutEvents']);
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = proxy.endpoint;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
  await proxy.close();
});

let env: Record<string, string>;
beforeEach(() => {
  env = applyAuditFunctionEnv();
  proxy.bodies.length = 0;
});

/** Twelve distinct secrets read by one principal within a minute: a real harvesting attack. */
const harvest = (who: object = alice, prefix = 'app/tenant-1/secret') =>
  Array.from({ length: 12 }, (_, i) => getSecretValue(`${prefix}-${i}`, who, `2024-05-01T10:00:${String(i * 4).padStart(2, '0')}Z`, { requestParameters: { secretId: ownArn(`${prefix}-${i}`) } }));

async function sendToAuditQueue(records: ReadonlyArray<Record<string, unknown> | string>): Promise<void> {
  const bodies = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(envelope(r))));
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: templateResource('AuditQueue'), Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })) }));
  }
}

async function storedEventIds(): Promise<Set<string>> {
  const out = await dynamo.send(new ScanCommand({ TableName: env.KEYWARDEN_AUDIT_TABLE! }));
  return new Set((out.Items ?? []).map((item) => item.eventId!.S!));
}

async function hourlyReads(principalKey: string): Promise<number> {
  const hash = shortHash(principalKey);
  const key = stateKeys.hour(hourStartMs(Date.parse('2024-05-01T10:00:00Z')), shardOf(hash, 2));
  const state = new DynamoDbDetectorState(dynamo, env.KEYWARDEN_DETECTOR_STATE_TABLE!);
  return ((await state.get([key])).get(key)?.[`n.${hash}`] as number | undefined) ?? 0;
}

const failures = (responses: SQSBatchResponse[]) => responses.flatMap((r) => r.batchItemFailures);

describe('hostile CloudTrail records, through the audit queue and the built bundle', () => {
  it('attack: DescribeSecret with a 1,200-character and a 3,000-character secret id beside a real harvest -> both audited under bounded keys, the harvest raised, nothing retried or dead-lettered', async () => {
    const findings = await subscribeToFindings();
    const long = cloudTrail('DescribeSecret', { userIdentity: alice, errorCode: 'ValidationException', requestParameters: { secretId: `app/tenant-1/${'A'.repeat(1200)}` } });
    const longer = cloudTrail('DescribeSecret', { userIdentity: alice, errorCode: 'ValidationException', requestParameters: { secretId: `app/tenant-1/${'ü'.repeat(3000)}` } });
    const attack = harvest();
    await sendToAuditQueue([...attack.slice(0, 6), long, longer, ...attack.slice(6)]);
    const { responses } = await runAuditQueue();
    expect(failures(responses)).toEqual([]);
    expect(await drainQueue(templateResource('AuditDeadLetterQueue'))).toEqual([]);
    const stored = await storedEventIds();
    expect(stored.size).toBe(14);
    expect(stored.has(String(long.eventID)) && stored.has(String(longer.eventID))).toBe(true);
    const raised = await findings();
    expect(raised.map((f) => [f.ruleId, f.evidence.distinctSecrets])).toEqual([['audit.secret-harvesting', 12]]);
    // On-call finds the padded call by the name it was made with.
    const run = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'query', '--secret', `app/tenant-1/${'ü'.repeat(3000)}`, '--since', '2024-05-01T00:00:00Z', '--until', '2024-05-02T00:00:00Z']));
    expect(run.result, run.printed).toBe(0);
    expect(run.printed).toContain(String(longer.eventID));
  });

  it('attack: a record that fails for good in a batch with a real harvest -> the DLQ alone, with its reason; the batch is not retried and its harvest is raised', async () => {
    const findings = await subscribeToFindings();
    const poison = cloudTrail('BatchGetSecretValue', { userIdentity: alice, requestParameters: { secretIdList: { $gt: '' } } });
    await sendToAuditQueue([...harvest().slice(0, 7), poison, ...harvest().slice(7)]);
    const { responses } = await runAuditQueue();
    expect(failures(responses)).toEqual([]);
    const dead = await drainQueue(templateResource('AuditDeadLetterQueue'), true);
    expect(dead.map((m) => [JSON.parse(m.Body!).detail.eventID, m.MessageAttributes?.reason?.StringValue])).toEqual([[poison.eventID, 'requestParameters.secretIdList is not a list']]);
    expect(dead[0]!.MessageAttributes?.sourceMessageId?.StringValue).toBeTruthy();
    expect((await storedEventIds()).size).toBe(12);
    expect((await findings()).map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    // Nothing left to retry.
    expect((await runAuditQueue()).delivered).toBe(0);
  });

  it('attack: replay of a file holding records that fail for good -> each reported with its reason, the rest replayed and raised, exit code non-zero and the count printed', async () => {
    const findings = await subscribeToFindings();
    const dir = mkdtempSync(join(tmpdir(), 'kw-replay-'));
    const file = join(dir, 'trail.ndjson');
    const lines = [
      ...harvest().slice(0, 5).map((r) => JSON.stringify(r)),
      JSON.stringify(cloudTrail('GetSecretValue', { userIdentity: 'root' })),
      JSON.stringify(cloudTrail('DescribeSecret', { userIdentity: alice, requestParameters: { secretId: 'x'.repeat(3000) } })),
      '{"eventSource": "secretsmanager.amazonaws.com", "eventName": ',
      ...harvest().slice(5).map((r) => JSON.stringify(r)),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'replay', file]));
    expect(run.result, run.printed).toBe(2);
    expect(run.printed).toMatch(/failed record .*trail\.ndjson#6: userIdentity is not an object/);
    expect(run.printed).toMatch(/failed record .*trail\.ndjson#8: not JSON/);
    expect(run.printed).toMatch(/stored 13, .* 2 record\(s\) failed/);
    expect(run.printed).toContain('"ruleId":"audit.secret-harvesting"');
    expect((await findings()).map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
  });

  it('attack: a role in another account named like keywarden\'s rotate role moves AWSCURRENT -> detected; the rotate role of this account is not', async () => {
    const findings = await subscribeToFindings();
    const ownRotate = inAccount(ROTATE_ROLE, LOCAL_ACCOUNT_ID);
    const foreignRotate = inAccount(ROTATE_ROLE, '444455556666');
    const move = (who: object, name: string) => cloudTrail('UpdateSecretVersionStage', { userIdentity: who, requestParameters: { secretId: ownArn(name), versionStage: 'AWSCURRENT', moveToVersionId: 'v2', removeFromVersionId: 'v1' } });
    expect(env.KEYWARDEN_ROTATION_ROLES).toBe(`arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/keywarden-ci-rotate-us-east-1`);
    await sendToAuditQueue([move(ownRotate, 'app/tenant-1/by-rotation'), move(foreignRotate, 'app/tenant-1/by-impostor'), ...harvest()]);
    const { responses } = await runAuditQueue();
    expect(failures(responses)).toEqual([]);
    const raised = await findings();
    expect(raised.filter((f) => f.ruleId === 'audit.awscurrent-moved').map((f) => [f.secret?.name, f.principal?.arn])).toEqual([
      ['app/tenant-1/by-impostor', 'arn:aws:iam::444455556666:role/keywarden-ci-rotate-us-east-1'],
    ]);
    expect(raised.map((f) => f.ruleId)).toContain('audit.secret-harvesting');
  });

  it('attack: a batch redelivered after a partial failure -> each read counted exactly once, the harvest at its threshold raised once', async () => {
    const findings = await subscribeToFindings();
    const reads = harvest().slice(0, 10); // exactly KEYWARDEN_HARVEST_THRESHOLD distinct secrets
    const unreadable = cloudTrail('GetSecretValue', { userIdentity: alice, eventTime: 'soon' });
    await sendToAuditQueue([...reads.slice(0, 6), unreadable]);
    const first = await drainQueue(templateResource('AuditQueue'));
    const arn = templateResource('AuditQueue', 'Arn');
    // The detector-state table is unavailable during the first delivery.
    const stateTable = env.KEYWARDEN_DETECTOR_STATE_TABLE!;
    await dynamo.send(new DeleteTableCommand({ TableName: stateTable }));
    const failed = (await invokeBundle('audit', sqsEvent(first, arn))) as SQSBatchResponse;
    await dynamo.send(
      new CreateTableCommand({ TableName: stateTable, AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    // Only the readable messages come back to be retried; the unreadable one went to the DLQ.
    const retried = new Set(failed.batchItemFailures.map((f) => f.itemIdentifier));
    expect(retried.size).toBe(6);
    expect((await drainQueue(templateResource('AuditDeadLetterQueue'), true)).map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual(['eventTime is not a date']);
    const again: Message[] = first.filter((m) => retried.has(m.MessageId!));
    // SQS redelivers the failed messages; Lambda then retries that batch whole once more.
    for (let i = 0; i < 2; i += 1) expect(((await invokeBundle('audit', sqsEvent(again, arn))) as SQSBatchResponse).batchItemFailures).toEqual([]);
    await sendToAuditQueue(reads.slice(6));
    const rest = await drainQueue(templateResource('AuditQueue'));
    for (let i = 0; i < 2; i += 1) expect(((await invokeBundle('audit', sqsEvent([...rest, again[0]!], arn))) as SQSBatchResponse).batchItemFailures).toEqual([]);
    expect(await hourlyReads(alice.arn)).toBe(10);
    expect((await findings()).map((f) => [f.ruleId, f.evidence.distinctSecrets])).toEqual([['audit.secret-harvesting', 10]]);
  });

  it('attack: a batch of findings whose total exceeds 256 KB -> published in several PutEvents requests, each within 256 KB and 10 entries, every finding delivered', async () => {
    const findings = await subscribeToFindings();
    // Thirty principals each harvest twelve secrets with long names and long, distinct user agents.
    const records = Array.from({ length: 30 }, (_, p) => {
      const who = { ...alice, arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/harvester-${p}`, userName: `harvester-${p}`, accessKeyId: `AKIAHARVEST${p}` };
      return harvest(who, `app/tenant-1/${'n'.repeat(400)}-${p}`).map((r, i) => ({ ...r, userAgent: `${String(i).repeat(1000)}-${p}` }));
    }).flat();
    await sendToAuditQueue(records);
    const { responses } = await runAuditQueue();
    expect(failures(responses)).toEqual([]);
    const requests = proxy.bodies.map((b) => (JSON.parse(b.body) as { Entries: Array<{ Detail: string; Source: string; DetailType: string; EventBusName: string; Resources?: string[]; Time?: unknown }> }).Entries);
    const sizes = requests.map((entries) => entries.reduce((n, e) => n + entryBytes({ ...e, Time: e.Time ? new Date() : undefined }), 0));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(256 * 1024);
    expect(requests.length).toBeGreaterThan(1);
    for (const [i, entries] of requests.entries()) {
      expect(entries.length).toBeLessThanOrEqual(10);
      expect(sizes[i]).toBeLessThanOrEqual(256 * 1024);
    }
    const raised: Finding[] = await findings();
    expect(raised.filter((f) => f.ruleId === 'audit.secret-harvesting')).toHaveLength(30);
  });

  it('attack: ARN-shaped secret ids of another account, region or host -> never in Resources; this account\'s secret ARN is', async () => {
    const events = await subscribeToFindingEvents();
    const deletion = (secretId: string) => cloudTrail('DeleteSecret', { userIdentity: alice, requestParameters: { secretId, forceDeleteWithoutRecovery: true } });
    const hostile = [
      `arn:aws:secretsmanager:${REGION}:999999999999:secret:evil-AbC123`,
      `arn:aws:secretsmanager:eu-west-1:${LOCAL_ACCOUNT_ID}:secret:evil-AbC123`,
      `arn:aws:secretsmanager:${REGION}:${LOCAL_ACCOUNT_ID}:secret:https://evil.example/x-AbC123`,
    ];
    const own = ownArn('app/tenant-1/real');
    await sendToAuditQueue([...hostile.map(deletion), deletion(own), ...harvest()]);
    const { responses } = await runAuditQueue();
    expect(failures(responses)).toEqual([]);
    const published = await events();
    const deletions = published.filter((e) => parseFinding(e.detail).ruleId === 'audit.secret-deletion');
    expect(deletions).toHaveLength(4);
    expect(deletions.flatMap((e) => e.resources ?? []).sort()).toEqual([own]);
    expect(published.map((e) => parseFinding(e.detail).ruleId)).toContain('audit.secret-harvesting');
  });
});
