import type { Clock } from '../clock';
import { InvalidRequestError } from '../errors';
import type { AuditRecord } from './record';
import type { AuditQuery, AuditQueryKey, AuditStore } from './store';
import { accountQualified } from './member-accounts';
import { nameFromArn } from '../tenancy';

/** What a person asks: exactly one of secret, principal, tenant, and a time range. */
export interface AuditQueryRequest {
  secret?: string;
  principal?: string;
  tenant?: string;
  /**
   * A member account (issue 16): its secrets and tenants are kept under `<account>:<value>`
   * (member-accounts.ts). Omitted for the deployment's own account, whose keys are unqualified.
   */
  account?: string;
  /** `7d`, `12h`, `30m`, `2w`, or an ISO 8601 time. */
  since: string;
  /** Same forms as `since`; default now. */
  until?: string;
  limit?: number;
}

/** The most records one query returns. */
export const MAX_QUERY_LIMIT = 10_000;
const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Checks a query request and turns it into an {@link AuditQuery}: secrets by name (an ARN is
 * accepted and reduced to the name), principals by the key records are indexed under (a role
 * session ARN is reduced to its role's ARN).
 *
 * @throws InvalidRequestError naming what is wrong.
 */
export function buildAuditQuery(request: AuditQueryRequest, clock: Clock): AuditQuery {
  const given = (['secret', 'principal', 'tenant'] as const).filter((key) => request[key] !== undefined && request[key] !== '');
  if (given.length !== 1) throw new InvalidRequestError('give exactly one of --secret, --principal, --tenant');
  const by: AuditQueryKey = given[0]!;
  const raw = request[by]!.trim();
  const now = clock.now();
  const since = timeFrom(request.since, now, '--since');
  const until = request.until === undefined ? now : timeFrom(request.until, now, '--until');
  if (since > until) throw new InvalidRequestError('--since is after --until');
  const limit = request.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) throw new InvalidRequestError(`--limit takes 1 to ${MAX_QUERY_LIMIT}, not ${limit}`);
  const account = request.account?.trim();
  if (account !== undefined && account !== '') {
    if (!/^\d{12}$/.test(account)) throw new InvalidRequestError('--account takes a 12-digit account id');
    if (by === 'principal') throw new InvalidRequestError('--account goes with --secret or --tenant; a principal ARN already names its account');
  }
  const value = queryValue(by, raw);
  return { by, value: account ? accountQualified(value, account) : value, since: since.toISOString(), until: until.toISOString(), limit };
}

/** Runs a query against the store. */
export function queryAuditTrail(store: AuditStore, query: AuditQuery): Promise<AuditRecord[]> {
  return store.query(query);
}

/** `7d` before `now`, or an absolute ISO time. */
export function timeFrom(value: string, now: Date, what: string): Date {
  const relative = /^(\d{1,6})\s*([smhdw])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS_MS[relative[2]!]!);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidRequestError(`${what} takes a duration such as 7d, 12h, 30m or an ISO time, not "${value}"`);
  return new Date(ms);
}

function queryValue(by: AuditQueryKey, raw: string): string {
  if (by === 'secret') return nameFromArn(raw);
  if (by === 'principal') {
    const session = /^arn:([^:]+):sts::(\d*):assumed-role\/(.+)\/[^/]+$/.exec(raw);
    if (session) return `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  }
  return raw;
}
