import { beforeEach, describe, expect, it } from 'vitest';
import { benignCorpus, corpusAttacks, corpusRole, sortByTime } from '../support/benign-corpus';
import { applyAuditFunctionEnv, putCloudTrailEvents, runAuditQueue, sqs, subscribeToFindings } from '../support/local-audit-pipeline';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { templateResource } from '../support/local-aws';

/**
 * Issue 13 through the real path: CloudTrail records on the local AWS's default bus, the audit
 * rule and queue, the built audit bundle with its DynamoDB detector state, findings read back from
 * the keywarden bus. The learning period is the function's default (14 days): two days of history,
 * then the same automation three weeks later, then the attacks.
 */
beforeEach(() => {
  applyAuditFunctionEnv();
});

const HOUR_MS = 3_600_000;

/** External Secrets Operator's hourly tag query, `hours` times from `start`. */
function esoHours(start: string, hours: number): Array<Record<string, unknown>> {
  const day = Date.parse(start);
  const corpus = benignCorpus({ start, days: 1, seed: 7 }).filter((r) => (r.userIdentity as { arn?: string }).arn?.includes('/external-secrets/'));
  return corpus.filter((r) => Date.parse(r.eventTime as string) < day + hours * HOUR_MS);
}

async function deliver(records: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < records.length; i += 200) await putCloudTrailEvents(records.slice(i, i + 200));
  const { responses, delivered } = await runAuditQueue();
  expect(delivered).toBe(records.length);
  expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
}

describe('detection of writes, hijacks and stolen credentials, through the built audit bundle on the local AWS', () => {
  it('learns External Secrets Operator\'s hourly batch calls and the fleet\'s habits, stays quiet when they repeat weeks later, and catches each attack once', async () => {
    const findings = await subscribeToFindings();
    // Three hours of the ordinary trail of the automation the attacks will use (the learning period starts here).
    const start = Date.parse('2024-06-01T00:00:00Z');
    const who = ['/external-secrets/', '/payments-agent-host/', '/multitenant-ai-poc-tenant-3-role/'];
    await deliver(benignCorpus({ start: '2024-06-01T00:00:00Z', days: 1 }).filter((r) => Date.parse(r.eventTime as string) < start + 3 * HOUR_MS && who.some((w) => (r.userIdentity as { arn?: string }).arn?.includes(w))));
    expect(await findings()).toEqual([]);
    // Three weeks later, the same automation: External Secrets Operator asks the same questions.
    await deliver(esoHours('2024-06-22T00:00:00Z', 3));
    expect(await findings()).toEqual([]);

    const attacks = corpusAttacks('2024-06-22T06:00:00Z').filter((a) => ['audit.value-written', 'audit.rotation-hijack', 'audit.batch-retrieval', 'audit.new-network-client', 'audit.offensive-tool'].includes(a.ruleId));
    await deliver(sortByTime(attacks.flatMap((a) => a.records)));
    const raised = await findings();
    expect(raised.map((f) => `${f.ruleId} ${f.principal?.arn}`).sort()).toEqual(attacks.map((a) => `${a.ruleId} ${a.principal}`).sort());
    expect(raised.find((f) => f.ruleId === 'audit.rotation-hijack')).toMatchObject({ severity: 'critical', evidence: { rotationLambdaArn: 'arn:aws:lambda:eu-west-1:666666666666:function:rotator' } });
    expect(raised.find((f) => f.ruleId === 'audit.new-network-client')!.evidence).toMatchObject({ network: 'v4:203.0.113.0/24', client: 'python', sourceIp: '203.0.113.50' });

    // The same events again (SQS redelivery): nothing new.
    const bodies = attacks.flatMap((a) => a.records).map((r) => JSON.stringify({ version: '0', id: `again-${String(r.eventID)}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', account: '111122223333', time: r.eventTime, region: r.awsRegion, resources: [], detail: r }));
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: templateResource('AuditQueue'), Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })) }));
    }
    await runAuditQueue();
    expect(await findings()).toEqual([]);
    // And the agent's next ordinary call from its host raises nothing: its new network and client are now known.
    await deliver([{ ...esoHours('2024-06-22T00:00:00Z', 1)[0]!, eventID: 'after-attacks-1', userIdentity: corpusRole('payments-agent-host', 'i-0payments'), eventTime: '2024-06-22T23:00:00Z', eventName: 'GetSecretValue', requestParameters: { secretId: 'multitenant-ai-poc/shared/queue' } }]);
    expect(await findings()).toEqual([]);
  }, 180_000);
});
