/** CloudTrail records for the audit unit tests, shaped as CloudTrail writes them. */

export const ACCOUNT = '111122223333';
export const REGION = 'eu-westwest-1r';

/** A role session of tenant-1's application role. */
export const APP_ROLE = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLE:i-0abc',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/multitenant-ai-poc-tenant-1-role/i-0abc`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLEAPP',
  sessionContext: {
    sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: `arn:aws:iam::${ACCOUNT}:role/multitenant-ai-poc-tenant-1-role`, accountId: ACCOUNT, userName: 'multitenant-ai-poc-tenant-1-role' },
    attributes: { creationDate: '2024-05-01T09:00:00Z', mfaAuthenticated: 'false' },
  },
};

/** keywarden's rotate role for stage ci. */
export const ROTATE_ROLE = {
  ...APP_ROLE,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/keywarden-ci-rotate-us-east-1/keywarden-rotate`,
  sessionContext: { ...APP_ROLE.sessionContext, sessionIssuer: { ...APP_ROLE.sessionContext.sessionIssuer, arn: `arn:aws:iam::${ACCOUNT}:role/keywarden-ci-rotate-us-east-1`, userName: 'keywarden-ci-rotate-us-east-1' } },
};

/** keywarden's staleness role for stage ci. */
export const STALENESS_ROLE = {
  ...APP_ROLE,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/keywarden-ci-staleness-us-east-1/keywarden-staleness`,
  sessionContext: { ...APP_ROLE.sessionContext, sessionIssuer: { ...APP_ROLE.sessionContext.sessionIssuer, arn: `arn:aws:iam::${ACCOUNT}:role/keywarden-ci-staleness-us-east-1`, userName: 'keywarden-ci-staleness-us-east-1' } },
};

/** An IAM user with an access key. */
export const USER = { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLEALICE', userName: 'alice' };

let sequence = 0;

/** The same identity in another account (the local AWS's, or an attacker's). */
export function inAccount<T extends object>(identity: T, account: string): T {
  return JSON.parse(JSON.stringify(identity).replaceAll(ACCOUNT, account)) as T;
}

/** A secret's full ARN (with the random suffix). */
export const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbC123`;

/** A raw CloudTrail record; `overrides` replace top-level fields. */
export function cloudTrail(eventName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    eventVersion: '1.09',
    userIdentity: APP_ROLE,
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName,
    awsRegion: REGION,
    sourceIPAddress: '10.1.2.3',
    userAgent: 'aws-sdk-js/3.600.0',
    requestParameters: null,
    responseElements: null,
    requestID: `req-${sequence}`,
    eventID: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  };
}

/** A GetSecretValue of `name` by `identity` at `time`. */
export function getSecretValue(name: string, identity: object = APP_ROLE, time = '2024-05-01T10:00:00Z', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return cloudTrail('GetSecretValue', { userIdentity: identity, eventTime: time, requestParameters: { secretId: secretArn(name) }, ...extra });
}

/** The EventBridge event that carries a record to the audit queue. */
export function envelope(record: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: `env-${String(record.eventID)}`,
    'detail-type': record.eventType === 'AwsServiceEvent' ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail',
    source: 'aws.secretsmanager',
    account: ACCOUNT,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
