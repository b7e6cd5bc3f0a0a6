import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { main } from '../../cli/main';
import { DynamoDbDetectorState } from '../../shared/aws/dynamodb-detector-state';
import { hourStartMs, shardOf, shortHash, stateKeys } from '../../shared/detection/keys';
import { captureOutput } from '../support/capture-output';
import { templateResource } from '../support/local-aws';
import { LOCAL_ACCOUNT_ID } from '../../cli/local/resolve';
import { APP_ROLE, ROTATE_ROLE as FOREIGN_ROTATE_ROLE, STALENESS_ROLE as FOREIGN_STALENESS_ROLE, USER, cloudTrail, envelope, getSecretValue, inAccount, secretArn } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, drainQueue, putCloudTrailEvents, runAuditQueue, sqs, sqsEvent, subscribeToFindings } from '../support/local-audit-pipeline';

const STRATUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'stratus-red-team');
const RETRIEVE = 'aws.credential-access.secretsmanager-retrieve-secrets.json';
const BATCH = 'aws.credential-access.secretsmanager-batch-retrieve-secrets.json';
const SSM_RETRIEVE = 'aws.credential-access.ssm-retrieve-securestring-parameters.json';
const stratus = (file: string) => JSON.parse(readFileSync(join(STRATUS, file), 'utf8')) as Array<Record<string, unknown>>;
const dynamo = new DynamoDBClient({});

let env: Record<string, string>;
// After the setup file's reset, which (re)creates the template's resources.
beforeEach(() => {
  env = applyAuditFunctionEnv();
});

/** Sends bodies straight to the audit queue (what EventBridge would, or anything else). */
async function sendToAuditQueue(bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: templateResource('AuditQueue'), Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })) }));
  }
}

async function scan(table: string): Promise<Array<Record<string, unknown>>> {
  const out = await dynamo.send(new ScanCommand({ TableName: table }));
  return out.Items ?? [];
}

/** 12 distinct secrets read by one user within a minute. */
const harvest = () => Array.from({ length: 12 }, (_, i) => getSecretValue(`app/tenant-1/secret-${i}`, USER, `2024-05-01T10:00:${String(i * 4).padStart(2, '0')}Z`));

describe('the audit pipeline, through EventBridge, the audit queue and the built bundle, against the local AWS', () => {
  it.each([
    [RETRIEVE, 'audit.secret-harvesting', 21],
    [BATCH, 'audit.batch-retrieval', 5],
    // 42 SecureString parameters read with decryption in five GetParameters calls.
    [SSM_RETRIEVE, 'audit.secret-harvesting', 10],
  ])('%s raises %s', async (file, ruleId, records) => {
    const findings = await subscribeToFindings();
    await putCloudTrailEvents(stratus(file));
    const { responses, delivered } = await runAuditQueue();
    expect(delivered).toBe(records);
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const raised = await findings();
    expect(raised.map((f) => f.ruleId)).toEqual([ruleId]);
    expect(raised[0]!.principal?.arn).toMatch(/^arn:aws:iam::\d{12}:user\/christophe$/);
    expect(new Set((await scan(env.KEYWARDEN_AUDIT_TABLE!)).map((item) => (item.eventId as { S: string }).S)).size).toBe(records);
  });

  it('stores nothing and raises nothing for every other Stratus file, with no error, whether the rule filters it or it arrives anyway', async () => {
    const findings = await subscribeToFindings();
    const others = readdirSync(STRATUS).filter((f) => f.endsWith('.json') && f !== RETRIEVE && f !== BATCH && f !== SSM_RETRIEVE).flatMap(stratus);
    expect(others.length).toBeGreaterThan(200);
    await putCloudTrailEvents(others);
    expect((await runAuditQueue()).delivered).toBe(0);
    // Misrouted to the queue anyway: read, skipped, deleted; no DLQ, no retry.
    await sendToAuditQueue(others.map((r) => JSON.stringify(envelope(r))));
    const { responses, delivered } = await runAuditQueue();
    expect(delivered).toBe(others.length);
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await drainQueue(templateResource('AuditDeadLetterQueue'))).toEqual([]);
    expect(await scan(env.KEYWARDEN_AUDIT_TABLE!)).toEqual([]);
    expect(await findings()).toEqual([]);
  });

  it('sends malformed and fuzzed records to the DLQ with their reason, and stores the rest of the batch', async () => {
    const good = harvest().slice(0, 5).map((r) => JSON.stringify(envelope(r)));
    const bad: Array<[string, string]> = [
      ['{"detail-type": "AWS API Call via CloudTrail", "source": "aws.secretsmanager", "detail": ', 'not JSON'],
      [JSON.stringify(envelope(cloudTrail('GetSecretValue', { eventID: undefined }))), 'eventID is missing'],
      [JSON.stringify(envelope(cloudTrail('GetSecretValue', { eventTime: 'soon' }))), 'eventTime is not a date'],
      [JSON.stringify(envelope(cloudTrail('BatchGetSecretValue', { requestParameters: { secretIdList: 42 } }))), 'requestParameters.secretIdList is not a list'],
      [JSON.stringify(envelope(cloudTrail('GetSecretValue', { userIdentity: 'root' }))), 'userIdentity is not an object'],
      ['\u0001\u0002 binary-ish junk', 'not JSON'],
    ];
    // Fuzzed: valid events cut short at every tenth character.
    const whole = JSON.stringify(envelope(harvest()[5]!));
    for (let cut = 10; cut < whole.length; cut += Math.ceil(whole.length / 12)) bad.push([whole.slice(0, cut), 'not JSON']);
    await sendToAuditQueue([...good.slice(0, 2), ...bad.map(([body]) => body), ...good.slice(2)]);
    const { responses } = await runAuditQueue();
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const dead = await drainQueue(templateResource('AuditDeadLetterQueue'), true);
    expect(dead.map((m) => [m.Body, m.MessageAttributes?.reason?.StringValue]).sort()).toEqual(bad.sort());
    expect(dead.every((m) => m.MessageAttributes?.sourceMessageId?.StringValue)).toBe(true);
    expect(new Set((await scan(env.KEYWARDEN_AUDIT_TABLE!)).map((i) => (i.eventId as { S: string }).S)).size).toBe(5);
  });

  it('takes the sample SQS batch (events/audit/sqs-batch.json): stores two records, leaves the rotation failure to alerting, dead-letters the third', async () => {
    const findings = await subscribeToFindings();
    const event = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'events', 'audit', 'sqs-batch.json'), 'utf8')) as SQSEvent;
    const response = (await invokeBundle('audit', event)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    // deploy/audit.yml disables the rotation-failed detector: the alert function's own rule on
    // Secrets Manager's RotationFailed events pages for it, and two pages for one failure is spam.
    expect(env.KEYWARDEN_DISABLED_DETECTORS).toBe('rotation-failed');
    expect(await findings()).toEqual([]);
    expect(await scan(env.KEYWARDEN_AUDIT_TABLE!)).toHaveLength(2);
    const dead = await drainQueue(templateResource('AuditDeadLetterQueue'), true);
    expect(dead.map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual(['eventID is missing']);
  });

  it('stores and counts a redelivered event once, and raises its finding once', async () => {
    const findings = await subscribeToFindings();
    const bodies = harvest().map((r) => JSON.stringify(envelope(r)));
    await sendToAuditQueue([...bodies, bodies[0]!]);
    await runAuditQueue();
    await sendToAuditQueue(bodies);
    const again = await runAuditQueue();
    expect(again.responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await scan(env.KEYWARDEN_AUDIT_TABLE!)).toHaveLength(12);
    const raised = await findings();
    expect(raised.map((f) => [f.ruleId, f.evidence.distinctSecrets])).toEqual([['audit.secret-harvesting', 12]]);
    expect(await hourlyReads(USER.arn, '2024-05-01T10:00:00Z')).toBe(12);
  });

  it('counts two overlapping batches processed at once exactly, and raises their finding once', async () => {
    const findings = await subscribeToFindings();
    await sendToAuditQueue(harvest().map((r) => JSON.stringify(envelope(r))));
    const messages = await drainQueue(templateResource('AuditQueue'));
    const arn = templateResource('AuditQueue', 'Arn');
    const [a, b] = (await Promise.all([invokeBundle('audit', sqsEvent(messages.slice(0, 8), arn)), invokeBundle('audit', sqsEvent(messages.slice(3), arn))])) as SQSBatchResponse[];
    expect([...a!.batchItemFailures, ...b!.batchItemFailures]).toEqual([]);
    expect(await scan(env.KEYWARDEN_AUDIT_TABLE!)).toHaveLength(12);
    expect((await findings()).map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(await hourlyReads(USER.arn, '2024-05-01T10:00:00Z')).toBe(12);
  });

  it('raises nothing for keywarden\'s own rotate and staleness roles (in this account)', async () => {
    const findings = await subscribeToFindings();
    const ROTATE_ROLE = inAccount(FOREIGN_ROTATE_ROLE, LOCAL_ACCOUNT_ID);
    const STALENESS_ROLE = inAccount(FOREIGN_STALENESS_ROLE, LOCAL_ACCOUNT_ID);
    const own = [
      cloudTrail('ListSecrets', { userIdentity: STALENESS_ROLE }),
      ...Array.from({ length: 20 }, (_, i) => cloudTrail('DescribeSecret', { userIdentity: STALENESS_ROLE, requestParameters: { secretId: `multitenant-ai-poc/tenant-${i % 2}/s-${i}` } })),
      ...Array.from({ length: 12 }, (_, i) => getSecretValue(`multitenant-ai-poc/tenant-2/s-${i}`, ROTATE_ROLE, '2024-05-01T10:01:00Z', { requestParameters: { secretId: `multitenant-ai-poc/tenant-2/s-${i}`, versionStage: 'AWSPREVIOUS' } })),
      cloudTrail('UpdateSecretVersionStage', { userIdentity: ROTATE_ROLE, requestParameters: { secretId: secretArn('multitenant-ai-poc/tenant-2/s-1'), versionStage: 'AWSCURRENT', moveToVersionId: 'v2', removeFromVersionId: 'v1' } }),
    ];
    await putCloudTrailEvents(own);
    const { delivered, responses } = await runAuditQueue();
    expect(delivered).toBe(own.length);
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await findings()).toEqual([]);
  });

  it('prints, stores and publishes no secret-like value planted in a record', async () => {
    const canary = 'kw-canary-8f3Jq2LmXv0Rt6Yp';
    const findings = await subscribeToFindings();
    const planted: Array<Record<string, unknown>> = harvest().map((r) => ({
      ...r,
      requestParameters: { ...(r.requestParameters as object), secretString: canary, secretBinary: canary, clientRequestToken: canary },
      responseElements: { secretString: canary, name: (r.requestParameters as { secretId: string }).secretId },
      additionalEventData: { value: canary },
    }));
    planted.push(cloudTrail('PutSecretValue', { userIdentity: APP_ROLE, requestParameters: { secretId: 'app/tenant-1/db', secretString: canary } }));
    await putCloudTrailEvents(planted);
    const run = await captureOutput(async () => runAuditQueue());
    expect(run.error).toBeUndefined();
    const published = await findings();
    // The planted PutSecretValue is by an application role, not a rotation function: value-written says so, without the value.
    expect(published.map((f) => f.ruleId).sort()).toEqual(['audit.secret-harvesting', 'audit.value-written']);
    expect(run.printed).not.toContain(canary);
    expect(JSON.stringify(published)).not.toContain(canary);
    expect(JSON.stringify(await scan(env.KEYWARDEN_AUDIT_TABLE!))).not.toContain(canary);
    expect(JSON.stringify(await scan(env.KEYWARDEN_DETECTOR_STATE_TABLE!))).not.toContain(canary);
  });

  it('answers keywarden audit query by secret, principal and tenant from the stored trail', async () => {
    await putCloudTrailEvents([
      getSecretValue('multitenant-ai-poc/tenant-1/database-password', APP_ROLE, new Date(Date.now() - 3_600_000).toISOString()),
      getSecretValue('multitenant-ai-poc/tenant-2/database-password', APP_ROLE, new Date(Date.now() - 7_200_000).toISOString()),
      getSecretValue('multitenant-ai-poc/tenant-1/database-password', USER, new Date(Date.now() - 30 * 86_400_000).toISOString()),
    ]);
    await runAuditQueue();
    const query = async (...args: string[]) => {
      const run = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'query', ...args]));
      expect(run.result, run.printed).toBe(0);
      return run.printed.split('\n').filter((l) => l.startsWith('{"eventId"')).map((l) => JSON.parse(l) as { eventName: string; secrets: Array<{ name: string }>; principal: { key: string } });
    };
    expect((await query('--secret', secretArn('multitenant-ai-poc/tenant-1/database-password'), '--since', '7d')).map((r) => r.principal.key)).toEqual([APP_ROLE.sessionContext.sessionIssuer.arn]);
    expect(await query('--secret', 'multitenant-ai-poc/tenant-1/database-password', '--since', '60d')).toHaveLength(2);
    expect((await query('--principal', APP_ROLE.arn, '--since', '1d')).map((r) => r.secrets[0]!.name)).toEqual(['multitenant-ai-poc/tenant-1/database-password', 'multitenant-ai-poc/tenant-2/database-password']);
    expect((await query('--tenant', 'tenant-2', '--since', '1d')).map((r) => r.secrets[0]!.name)).toEqual(['multitenant-ai-poc/tenant-2/database-password']);
  });

  it('keywarden audit replay runs a CloudTrail file through the same pipeline against the local AWS', async () => {
    const findings = await subscribeToFindings();
    const run = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'replay', join(STRATUS, RETRIEVE)]));
    expect(run.result, run.printed).toBe(0);
    const printed = run.printed.split('\n').filter((l) => l.startsWith('{"id"')).map((l) => JSON.parse(l) as { ruleId: string; principal: { arn: string }; evidence: { secrets: string[] } });
    expect(printed.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(printed[0]!.evidence.secrets).toHaveLength(20);
    expect((await findings()).map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(new Set((await scan(env.KEYWARDEN_AUDIT_TABLE!)).map((i) => (i.eventId as { S: string }).S)).size).toBe(21);
    // Replaying it again stores nothing new and raises nothing new.
    const again = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'replay', join(STRATUS, RETRIEVE)]));
    expect(again.printed).toMatch(/stored 0, already stored 21/);
    expect(await findings()).toEqual([]);
  });
});

/** The principal's value reads counted in the hour holding `time`, from the detector state. */
async function hourlyReads(principalKey: string, time: string): Promise<number> {
  const state = new DynamoDbDetectorState(dynamo, env.KEYWARDEN_DETECTOR_STATE_TABLE!);
  const hash = shortHash(principalKey);
  const key = stateKeys.hour(hourStartMs(Date.parse(time)), shardOf(hash, 2));
  const item = (await state.get([key])).get(key);
  return (item?.[`n.${hash}`] as number | undefined) ?? 0;
}
