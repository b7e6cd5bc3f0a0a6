import { accountQualified } from './member-accounts';

/**
 * One Secrets Manager call (or service event) as keywarden keeps it: normalised from a CloudTrail
 * record, stored in the audit table, and read by every detector. Holds names, ids, addresses and
 * outcomes; never a secret value (CloudTrail records none, and normalisation keeps it that way).
 */

/** What kind of touch a call is, for queries and detectors. */
export const ACTION_CLASSES = ['read', 'write', 'delete', 'policy', 'rotation', 'list', 'other'] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];

/** Who made the call, from CloudTrail's userIdentity. */
export interface AuditPrincipal {
  /** The caller's ARN; for an assumed role, the role session ARN. */
  arn?: string;
  /** CloudTrail's userIdentity.type: IAMUser, AssumedRole, Root, AWSService, FederatedUser, ... */
  type: string;
  accountId?: string;
  /** The user name (IAM users) or role name (assumed roles): what tenancy patterns match. */
  name?: string;
  /** For assumed roles: the session name (the part after the role name in the session ARN). */
  sessionName?: string;
  /** For assumed roles: the role's ARN and name (sessionContext.sessionIssuer). */
  sessionIssuerArn?: string;
  sessionIssuerName?: string;
  /** The AWS service that acted, for AWSService callers (invokedBy or userIdentity.invokedBy). */
  invokedBy?: string;
  accessKeyId?: string;
  mfaAuthenticated?: boolean;
  /** How the call was made: through the console or programmatically. */
  via: 'console' | 'programmatic' | 'service';
  /** The tenant the principal acts for (see tenancy.ts), when known. */
  tenant?: string;
  /** Principal and session tags, merged, when CloudTrail carries them. */
  tags?: Record<string, string>;
  /** A stable key for "who": the session issuer ARN for roles, else the ARN, else the access key. */
  key: string;
}

/** One secret the call named. */
export interface AuditSecretRef {
  /** As given: a name, a partial ARN or a full ARN. */
  id: string;
  /** The name, derived from the ARN when needed. */
  name: string;
  arn?: string;
  /** The tenant that owns the secret (see tenancy.ts), when it has one. */
  tenant?: string;
  /** Set for an SSM Parameter Store parameter (or a path it was read by); absent for a secret. */
  kind?: 'parameter';
  /**
   * The account the secret lives in, set only when it is not the deployment's own (its ARN's
   * account, else the member account the record came from; member-accounts.ts): its index keys
   * are then `<account>:<name>` and `<account>:<tenant>`.
   */
  account?: string;
}

/**
 * A secret as detection remembers and deduplicates it: its name at home, `<account>:<name>` for a
 * member account's (as the index keys it), so two accounts' same-named secrets never share a
 * detector's memory, a count or a dedup key.
 */
export function secretKeyOf(secret: Pick<AuditSecretRef, 'name' | 'account'>): string {
  return accountQualified(secret.name, secret.account);
}

/** A normalised audit record. */
export interface AuditRecord {
  /** CloudTrail's eventID: the key that makes a redelivered event count once. */
  eventId: string;
  /** ISO 8601, from eventTime. */
  time: string;
  eventName: string;
  /** `AwsApiCall` or `AwsServiceEvent`. */
  eventType: string;
  /** CloudTrail's requestID, to match a record with the caller's own logs. */
  requestId?: string;
  actionClass: ActionClass;
  /** Whether the call read a secret value (GetSecretValue, BatchGetSecretValue). */
  readsValue: boolean;
  region: string;
  /** The account the call happened in (recipientAccountId; with member accounts, settled by member-accounts.ts). */
  accountId?: string;
  /**
   * The `account` of the EventBridge event that carried the record: set by EventBridge where the
   * event happened, which no sender can choose (member-accounts.ts). Absent for a raw CloudTrail record.
   */
  eventAccount?: string;
  /**
   * Set only for a record of a member account (not the deployment's own): its secret names and
   * tenants are kept under `<account>:<value>` in the audit table, so two accounts' same-named
   * secrets never share a key. Records of the deployment's own account keep the keys they always had.
   */
  memberAccount?: string;
  /** Every secret the call named (one for most calls, several for BatchGetSecretValue). */
  secrets: AuditSecretRef[];
  /** BatchGetSecretValue filters, when the call used them instead of ids. */
  filters?: Array<{ key: string; values: string[] }>;
  /** The version stage or id a read asked for (AWSPREVIOUS, a version id...). */
  versionStage?: string;
  versionId?: string;
  principal: AuditPrincipal;
  sourceIp?: string;
  userAgent?: string;
  vpcEndpointId?: string;
  /** Set when the call failed: AccessDenied, ResourceNotFoundException, ... */
  errorCode?: string;
  errorMessage?: string;
  /** Request fields detectors need beyond the above (policy document, recovery window, ...). */
  details: Record<string, unknown>;
}
