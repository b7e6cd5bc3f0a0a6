import { resourceNames } from '../../shared/resource-names';

/**
 * CloudTrail records of a secret's consumers and its rotation, as CloudTrail writes them. The
 * local AWS has no CloudTrail, so the demo replays these through the audit queue as CloudTrail
 * would deliver them; the consumer tests and the benchmark use them too.
 */

const ACCOUNT = '123456789012';
let sequence = 0;

/** A unique CloudTrail event id. */
export function eventId(): string {
  sequence += 1;
  return `c0c0c0c0-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
}

function iso(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The userIdentity of a role session. */
export function roleIdentity(role: string, session = 'worker') {
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLE${role.length}:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    sessionContext: { sessionIssuer: { type: 'Role', principalId: `AROAEXAMPLE${role.length}`, arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, accountId: ACCOUNT, userName: role } },
  };
}

function base(eventName: string, at: Date, identity: unknown, extra: Record<string, unknown>) {
  return {
    eventVersion: '1.08',
    userIdentity: identity,
    eventTime: iso(at),
    eventSource: 'secretsmanager.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.1.2.3',
    userAgent: 'aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22',
    responseElements: null,
    eventID: eventId(),
    readOnly: eventName === 'GetSecretValue',
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...extra,
  };
}

/** A GetSecretValue of `secret` by `role` at `at`; `extra` overrides fields (a user agent, a stage, an error). */
export function readRecord(secret: string, role: string, at: Date, extra: Record<string, unknown> = {}) {
  const { requestParameters, ...rest } = extra as { requestParameters?: Record<string, unknown> };
  return base('GetSecretValue', at, roleIdentity(role), { requestParameters: { secretId: secret, ...requestParameters }, ...rest });
}

/** Reads every `everyMinutes` from `from` up to `until` (exclusive). */
export function readsEvery(secret: string, role: string, from: Date, until: Date, everyMinutes: number, extra: Record<string, unknown> = {}) {
  const out = [];
  for (let t = from.getTime(); t < until.getTime(); t += everyMinutes * 60_000) out.push(readRecord(secret, role, new Date(t), extra));
  return out;
}

/** The rotation's UpdateSecretVersionStage that made `versionId` AWSCURRENT, by the rotate function's role. */
export function stageMoveRecord(secret: string, versionId: string, at: Date, extra: Record<string, unknown> = {}) {
  return base('UpdateSecretVersionStage', at, roleIdentity(resourceNames('ci').roles('us-east-1').rotate, 'rotate'), {
    requestParameters: { secretId: secret, versionStage: 'AWSCURRENT', moveToVersionId: versionId, removeFromVersionId: 'old' },
    readOnly: false,
    ...extra,
  });
}

/** A successful RotateSecret call at `at` (an attempt to rotate, which a hold is counted from). */
export function rotateSecretRecord(secret: string, at: Date) {
  return base('RotateSecret', at, roleIdentity('oncall'), { requestParameters: { secretId: secret }, readOnly: false });
}
