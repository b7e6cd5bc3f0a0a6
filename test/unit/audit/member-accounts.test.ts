import { describe, expect, it } from 'vitest';
import { admitAccount, parseMemberAccounts } from '../../../shared/audit/member-accounts';
import { normaliseCloudTrail } from '../../../shared/audit/normalise';
import { buildAuditQuery } from '../../../shared/audit/query';
import type { AuditRecord } from '../../../shared/audit/record';
import { auditIndexEntries } from '../../../shared/audit/store';
import { APP_ROLE, ACCOUNT, envelope, getSecretValue, inAccount } from '../../support/cloudtrail-records';

const HOME = ACCOUNT;
const MEMBER = '111111111111';
const THIRD = '222222222222';
const accounts = { home: HOME, members: new Set([MEMBER]) };

/** A GetSecretValue of `app`'s tenant-1 secret in `account`, delivered by EventBridge from `from`. */
function read(account: string, from: string | undefined = account): AuditRecord {
  const arn = `arn:aws:secretsmanager:us-east-1:${account}:secret:multitenant-ai-poc/tenant-1/db-AbC123`;
  const record = { ...getSecretValue('multitenant-ai-poc/tenant-1/db', inAccount(APP_ROLE, account), '2024-05-01T10:00:00Z', { requestParameters: { secretId: arn } }), recipientAccountId: account };
  const body = from === undefined ? record : { ...envelope(record), account: from };
  const out = normaliseCloudTrail(body);
  if (out.kind !== 'record') throw new Error(`not read: ${JSON.stringify(out)}`);
  return out.record;
}

describe('member accounts of the audit', () => {
  it('reads nothing differently with no member accounts configured', () => {
    const record = read(THIRD);
    expect(admitAccount(record, { home: HOME, members: new Set() })).toEqual({ kind: 'record', record });
  });

  it("keeps the deployment's own records and their keys as they were", () => {
    const admitted = admitAccount(read(HOME), accounts);
    expect(admitted.kind).toBe('record');
    const record = (admitted as { record: AuditRecord }).record;
    expect(record.memberAccount).toBeUndefined();
    expect(auditIndexEntries(record)).toMatchObject({ secrets: ['multitenant-ai-poc/tenant-1/db'], tenants: ['tenant-1'] });
  });

  it("keys a member's record by account, so its same-named secret and tenant never meet the home account's", () => {
    const admitted = admitAccount(read(MEMBER), accounts) as { record: AuditRecord };
    expect(admitted.record).toMatchObject({ accountId: MEMBER, memberAccount: MEMBER, principal: { tenant: `${MEMBER}:tenant-1` } });
    expect(auditIndexEntries(admitted.record)).toMatchObject({ secrets: [`${MEMBER}:multitenant-ai-poc/tenant-1/db`], tenants: [`${MEMBER}:tenant-1`] });
    const home = (admitAccount(read(HOME), accounts) as { record: AuditRecord }).record;
    expect(auditIndexEntries(home).secrets).not.toEqual(auditIndexEntries(admitted.record).secrets);
  });

  it("keys a secret of another account by that account, whichever account's copy of the call it is", () => {
    const homeArn = `arn:aws:secretsmanager:us-east-1:${HOME}:secret:multitenant-ai-poc/tenant-1/db-AbC123`;
    const record = { ...getSecretValue('multitenant-ai-poc/tenant-1/db', inAccount(APP_ROLE, MEMBER), '2024-05-01T10:00:00Z', { requestParameters: { secretId: homeArn } }), recipientAccountId: MEMBER };
    const read = normaliseCloudTrail({ ...envelope(record), account: MEMBER }) as { record: AuditRecord };
    const admitted = admitAccount(read.record, accounts) as { record: AuditRecord };
    // The member's copy of its read of the home account's secret: found under the home secret's own key.
    expect(admitted.record.memberAccount).toBe(MEMBER);
    expect(auditIndexEntries(admitted.record)).toMatchObject({ secrets: ['multitenant-ai-poc/tenant-1/db'], tenants: ['tenant-1'] });
  });

  it('takes a raw CloudTrail record (a replayed trail file) at its recipientAccountId', () => {
    expect(admitAccount(read(MEMBER, undefined), accounts)).toMatchObject({ kind: 'record', record: { memberAccount: MEMBER } });
  });

  it('attack: an event from an account that is not configured is refused', () => {
    expect(admitAccount(read(THIRD), accounts)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/222222222222 is not one of the configured member accounts/) });
  });

  it("attack: a member's event whose recipientAccountId claims the home account is refused", () => {
    expect(admitAccount(read(HOME, MEMBER), accounts)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/differs from account 111111111111/) });
  });

  it("attack: an envelope whose account is not an account id is refused", () => {
    expect(admitAccount(read(MEMBER, 'x'.repeat(500)), accounts)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/not a 12-digit/) });
  });

  it('queries a member account under its qualified keys, and refuses a malformed --account', () => {
    const clock = { now: () => new Date('2024-05-02T00:00:00Z') };
    expect(buildAuditQuery({ secret: 'app/tenant-1/db', account: MEMBER, since: '7d' }, clock).value).toBe(`${MEMBER}:app/tenant-1/db`);
    expect(buildAuditQuery({ tenant: 'tenant-1', account: MEMBER, since: '7d' }, clock).value).toBe(`${MEMBER}:tenant-1`);
    expect(buildAuditQuery({ secret: 'app/tenant-1/db', since: '7d' }, clock).value).toBe('app/tenant-1/db');
    expect(() => buildAuditQuery({ secret: 'x', account: '12', since: '7d' }, clock)).toThrow(/12-digit/);
  });

  it('refuses a member list entry that is not an account id', () => {
    expect([...parseMemberAccounts(` ${MEMBER}, ${THIRD} `)]).toEqual([MEMBER, THIRD]);
    expect(() => parseMemberAccounts('111111111111,arn:aws:iam::1:root')).toThrow(/12-digit/);
    expect(() => parseMemberAccounts('111111111111,*')).toThrow(/12-digit/);
  });

  it("accepts any account's records with '*' (an organization, admitted by the intake bus's policy), still refusing a disagreeing recipientAccountId", () => {
    const org = { home: HOME, members: parseMemberAccounts('*') };
    expect(admitAccount(read(THIRD), org)).toMatchObject({ kind: 'record', record: { memberAccount: THIRD } });
    expect(admitAccount(read(HOME, THIRD), org)).toMatchObject({ kind: 'refused' });
  });
});
