import { secretKeyOf, type AuditRecord } from '../../audit/record';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';

/** Condition keys that tie a wildcard principal to known callers, so the grant is not public. */
const RESTRICTING_KEYS = ['aws:principalaccount', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:principalarn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:userid', 'aws:sourcearn'];

/** What a resource policy grants that it should not. */
export interface PolicyExposure {
  public: boolean;
  foreignAccounts: string[];
  /** The policy could not be read (too long or not JSON). */
  unreadable?: boolean;
}

/**
 * What a resource policy opens: `public` when an Allow statement has a wildcard principal (or
 * NotPrincipal) without a condition naming who may use it; `foreignAccounts` for principals of
 * accounts that are neither the secret's own nor trusted.
 */
export function policyExposure(policy: string, ownAccount: string | undefined, trusted: ReadonlySet<string>): PolicyExposure {
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    return { public: false, foreignAccounts: [], unreadable: true };
  }
  const statements = [(document as { Statement?: unknown })?.Statement ?? []].flat() as Array<Record<string, unknown>>;
  let open = false;
  const foreign = new Set<string>();
  for (const statement of statements) {
    if (!statement || typeof statement !== 'object' || statement.Effect !== 'Allow') continue;
    const restricted = hasRestrictingCondition(statement.Condition);
    if (statement.NotPrincipal !== undefined && !restricted) open = true;
    for (const principal of awsPrincipals(statement.Principal)) {
      if (principal === '*' || /^arn:[^:]+:iam::\*:/.test(principal)) {
        if (!restricted) open = true;
        continue;
      }
      const account = /^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
      if (account && account !== ownAccount && !trusted.has(account)) foreign.add(account);
    }
  }
  return { public: open, foreignAccounts: [...foreign] };
}

function awsPrincipals(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (!principal || typeof principal !== 'object') return [];
  const aws = (principal as { AWS?: unknown }).AWS;
  return [aws ?? []].flat().filter((p): p is string => typeof p === 'string');
}

function hasRestrictingCondition(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.values(condition as Record<string, unknown>).some(
    (clauses) => clauses !== null && typeof clauses === 'object' && Object.keys(clauses).some((key) => RESTRICTING_KEYS.includes(key.toLowerCase())),
  );
}

/**
 * A secret's resource policy was made public or opened to an account that is neither the
 * secret's own nor listed in KEYWARDEN_TRUSTED_ACCOUNTS.
 */
export const resourcePolicyOpened: RecordDetector = {
  kind: 'record',
  name: 'resource-policy-opened',
  events: ['PutResourcePolicy'],
  title: 'Secret resource policy opened',
  severity: 'critical',
  description:
    'PutResourcePolicy succeeded with a policy that allows a wildcard principal (or uses NotPrincipal) without a condition that names the callers (aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceVpce...), or that grants an account other than the secret\'s own and those in KEYWARDEN_TRUSTED_ACCOUNTS. A policy that cannot be read is reported as well.',
  runbook:
    'Read the policy in the evidence. If it was not an approved change, put the previous policy back (or `aws secretsmanager delete-resource-policy`) and turn on BlockPublicPolicy, then treat the secret as exposed: check who read it since the change (`keywarden audit query --secret <name> --since 7d`, look for foreign accounts) and rotate it. Find who made the change and how they had secretsmanager:PutResourcePolicy.',
  inspect(record, ctx) {
    if (record.eventName !== 'PutResourcePolicy' || record.errorCode) return undefined;
    const policy = record.details.resourcePolicy;
    const exposure: PolicyExposure =
      typeof policy === 'string' ? policyExposure(policy, record.accountId, ctx.config.trustedAccounts) : { public: false, foreignAccounts: [], unreadable: true };
    if (!exposure.public && exposure.foreignAccounts.length === 0 && !exposure.unreadable) return undefined;
    const secret = record.secrets[0];
    return {
      title: titleOf(record, exposure),
      severity: exposure.public ? 'critical' : exposure.foreignAccounts.length > 0 ? 'high' : 'medium',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: {
        public: exposure.public,
        foreignAccounts: exposure.foreignAccounts,
        policyUnreadable: exposure.unreadable ?? false,
        blockPublicPolicy: record.details.blockPublicPolicy,
        resourcePolicy: typeof policy === 'string' ? policy : undefined,
        ...recordEvidence(record),
      },
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};

function titleOf(record: AuditRecord, exposure: PolicyExposure): string {
  const name = record.secrets[0]?.name ?? 'a secret';
  if (exposure.public) return `Resource policy of ${name} made public`;
  if (exposure.foreignAccounts.length > 0) return `Resource policy of ${name} opened to account(s) ${exposure.foreignAccounts.join(', ')}`;
  return `Resource policy of ${name} changed and could not be checked`;
}
