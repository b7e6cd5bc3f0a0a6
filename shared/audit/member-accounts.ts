import { ConfigError } from '../errors';
import type { AuditRecord } from './record';

/**
 * The organisation-wide audit (issue 16): member accounts forward their Secrets Manager and
 * Parameter Store events to the central keywarden bus (deploy/member-account-audit.yml), and every
 * record carries the account it happened in.
 *
 * Which account to believe. An event forwarded from a member's default bus keeps the `account`
 * EventBridge gave it where it happened; nobody can set it (PutEvents stamps the caller's own
 * account, and `aws.*` sources cannot be put by anyone but AWS). The CloudTrail record inside says
 * `recipientAccountId`, written by CloudTrail in that same account. So the envelope's account is
 * the record's account; a record whose recipientAccountId says otherwise is refused (something
 * rewrote it on the way), as is one from an account not configured. A raw CloudTrail record
 * (`keywarden audit replay` of trail files, which AWS writes) has no envelope: its
 * recipientAccountId is its account.
 */

/** The accounts the audit accepts: the deployment's own, and the configured members. */
export interface AuditAccounts {
  /** The deployment's own account (KEYWARDEN_ACCOUNT_ID); its records keep unqualified keys. */
  home?: string;
  /** Member accounts whose events the central bus accepts (KEYWARDEN_AUDIT_MEMBER_ACCOUNTS). */
  members: ReadonlySet<string>;
}

/**
 * `*`: any account, for an organization-wide deployment where the intake bus's policy
 * (aws:PrincipalOrgID, deploy/member-accounts.cjs) is what admits an account to send.
 */
export const ANY_MEMBER = '*';

/** The variable listing member accounts, comma-separated 12-digit ids, or {@link ANY_MEMBER}. */
export const MEMBER_ACCOUNTS_ENV = 'KEYWARDEN_AUDIT_MEMBER_ACCOUNTS';

/**
 * The member accounts of `text` (comma-separated). Empty: a single-account deployment, whose
 * records are read exactly as before.
 *
 * @throws ConfigError naming an entry that is not a 12-digit account id.
 */
export function parseMemberAccounts(text: string | undefined): ReadonlySet<string> {
  const ids = (text ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 1 && ids[0] === ANY_MEMBER) return new Set(ids);
  for (const id of ids) if (!/^\d{12}$/.test(id)) throw new ConfigError(`invalid configuration: ${MEMBER_ACCOUNTS_ENV} has an entry that is not a 12-digit account id`);
  return new Set(ids);
}

/** A record admitted with its account settled, or why it is refused. */
export type AccountAdmission = { kind: 'record'; record: AuditRecord } | { kind: 'refused'; reason: string };

/**
 * Settles a record's account and whether the audit accepts it. With no members configured the
 * record is returned as it is. Otherwise its account is the envelope's (else recipientAccountId);
 * it must be the deployment's own or a member; a member's record gets `memberAccount`, and each
 * secret not of the deployment's own account gets its `account` (see withAccounts), so its index
 * keys never collide with another account's same-named secrets.
 */
export function admitAccount(record: AuditRecord, accounts: AuditAccounts): AccountAdmission {
  if (accounts.members.size === 0) return { kind: 'record', record };
  if (record.eventAccount !== undefined && !/^\d{12}$/.test(record.eventAccount)) return { kind: 'refused', reason: 'the event\'s account is not a 12-digit account id' };
  const claimed = record.accountId;
  const account = record.eventAccount ?? claimed;
  if (account === undefined) return { kind: 'refused', reason: 'the record names no account, and member accounts are configured' };
  if (record.eventAccount !== undefined && claimed !== undefined && claimed !== record.eventAccount) {
    return { kind: 'refused', reason: `recipientAccountId ${clip(claimed)} differs from account ${record.eventAccount}, where EventBridge says the event happened` };
  }
  if (account !== accounts.home && !accounts.members.has(account) && !accounts.members.has(ANY_MEMBER)) {
    return { kind: 'refused', reason: `account ${clip(account)} is not one of the configured member accounts (${MEMBER_ACCOUNTS_ENV})` };
  }
  return { kind: 'record', record: withAccounts(record, account, accounts.home) };
}

/**
 * The record with its account settled, and each secret with the account it lives in when that is
 * not the deployment's own: the account in its ARN (a cross-account call names another account's
 * secret), else the record's. Tenants are qualified by the secret's account (a principal's by the
 * record's): tenant-1 of two accounts are two tenants.
 */
function withAccounts(record: AuditRecord, account: string, home: string | undefined): AuditRecord {
  const member = account === home ? undefined : account;
  const secrets = record.secrets.map((secret) => {
    const owner = (secret.arn === undefined ? undefined : accountOfArn(secret.arn)) ?? account;
    if (owner === home) return secret;
    return { ...secret, account: owner, ...(secret.tenant !== undefined && { tenant: `${owner}:${secret.tenant}` }) };
  });
  const changed = secrets.some((secret, i) => secret !== record.secrets[i]);
  if (member === undefined && !changed && record.accountId === account) return record;
  const out: AuditRecord = { ...record, accountId: account, secrets: changed ? secrets : record.secrets };
  if (member !== undefined) {
    out.memberAccount = member;
    if (record.principal.tenant !== undefined) out.principal = { ...record.principal, tenant: `${member}:${record.principal.tenant}` };
  }
  return out;
}

function accountOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/** The key an audit index keeps a member account's secret name or tenant under: `<account>:<value>`. */
export function accountQualified(value: string, memberAccount: string | undefined): string {
  return memberAccount === undefined ? value : `${memberAccount}:${value}`;
}

function clip(text: string): string {
  return text.length <= 32 ? text : `${text.slice(0, 32)}…`;
}
