import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { MEMBER_ACCOUNTS_ENV } from '../../shared/audit/member-accounts';
import { captureOutput } from '../support/capture-output';
import { HOME, MEMBER, THIRD } from '../support/accounts';
import { templateResource } from '../support/local-aws';
import { USER, envelope, getSecretValue, inAccount } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, drainQueue, runAuditQueue, sqs, subscribeToFindings } from '../support/local-audit-pipeline';

/**
 * The organisation-wide audit through the audit queue and the built audit bundle: events of the
 * deployment's own account, of a configured member account and of a third account arrive as the
 * central intake bus delivers them (each EventBridge envelope stamped with the account it happened
 * in). The member's records are kept apart from the home account's same-named secret, and what
 * the audit was not told about, or what disagrees with its envelope, goes to the DLQ.
 */

const dynamo = new DynamoDBClient({});
const SECRET = 'multitenant-ai-poc/tenant-1/database-password';
const arnIn = (account: string) => `arn:aws:secretsmanager:us-east-1:${account}:secret:${SECRET}-AbC123`;
const root = (account: string) => ({ type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: 'ASIAEXAMPLEROOT' });

let env: Record<string, string>;
beforeEach(() => {
  env = applyAuditFunctionEnv();
  // Before the bundle's first invocation in this process: the function reads its settings once.
  process.env[MEMBER_ACCOUNTS_ENV] = MEMBER;
  process.env.KEYWARDEN_ACCOUNT_ID = HOME;
});

/** A read of SECRET in `account` by `who`, delivered from `deliveredFrom` (the envelope's account). */
function readIn(account: string, who: object, deliveredFrom = account, minute = 0): string {
  const record = getSecretValue(SECRET, who, `2024-05-01T10:0${minute}:00Z`, { requestParameters: { secretId: arnIn(account) }, recipientAccountId: account });
  return JSON.stringify({ ...envelope(record), account: deliveredFrom });
}

async function send(bodies: string[]): Promise<void> {
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: templateResource('AuditQueue'), Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })) }));
}

async function query(...args: string[]): Promise<Array<{ eventId: string; accountId?: string }>> {
  const run = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'query', ...args, '--since', '2024-05-01T00:00:00Z', '--until', '2024-05-02T00:00:00Z']));
  expect(run.result, run.printed).toBe(0);
  return run.printed
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"eventId"'))
    .map((line) => JSON.parse(line) as { eventId: string; accountId?: string });
}

describe('audit of member accounts (built audit bundle, three accounts)', () => {
  it("keeps a member's records apart from the home account's same-named secret, and names the account in findings", async () => {
    const findings = await subscribeToFindings();
    await send([readIn(HOME, inAccount(USER, HOME)), readIn(MEMBER, root(MEMBER), MEMBER, 1)]);
    const { responses } = await runAuditQueue();
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await drainQueue(templateResource('AuditDeadLetterQueue'))).toEqual([]);

    const home = await query('--secret', SECRET);
    const member = await query('--secret', SECRET, '--account', MEMBER);
    expect(home.map((r) => r.accountId)).toEqual([HOME]);
    expect(member.map((r) => r.accountId)).toEqual([MEMBER]);
    expect(await query('--tenant', 'tenant-1', '--account', MEMBER)).toHaveLength(1);
    expect(await query('--secret', arnIn(MEMBER), '--account', MEMBER)).toHaveLength(1);

    const raised = await findings();
    expect(raised.map((f) => [f.ruleId, f.evidence.account, f.account])).toEqual([['audit.root-or-console-read', MEMBER, MEMBER]]);
    expect(raised[0]!.tenant).toBe(`${MEMBER}:tenant-1`);
  });

  it('attack: an event from an account the audit was not told about goes to the DLQ with its reason, and nothing is stored', async () => {
    await send([readIn(THIRD, root(THIRD))]);
    const { responses } = await runAuditQueue();
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const dead = await drainQueue(templateResource('AuditDeadLetterQueue'), true);
    expect(dead.map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual([`account ${THIRD} is not one of the configured member accounts (${MEMBER_ACCOUNTS_ENV})`]);
    expect((await dynamo.send(new ScanCommand({ TableName: env.KEYWARDEN_AUDIT_TABLE! }))).Items).toEqual([]);
  });

  it("attack: a member's event whose record claims the home account goes to the DLQ, and the home account's trail stays empty", async () => {
    const findings = await subscribeToFindings();
    await send([readIn(HOME, root(HOME), MEMBER)]);
    await runAuditQueue();
    const dead = await drainQueue(templateResource('AuditDeadLetterQueue'), true);
    expect(dead.map((m) => m.MessageAttributes?.reason?.StringValue)).toEqual([`recipientAccountId ${HOME} differs from account ${MEMBER}, where EventBridge says the event happened`]);
    expect(await query('--secret', SECRET)).toEqual([]);
    expect(await findings()).toEqual([]);
  });
});
