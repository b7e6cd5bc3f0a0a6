import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../local/paths';

/** The Stratus Red Team detonation logs beside the repository (shared/datasets), when present. */
export const STRATUS_DIR = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'stratus-red-team');
const STRATUS_FILES = [
  'aws.credential-access.secretsmanager-retrieve-secrets.json',
  'aws.credential-access.secretsmanager-batch-retrieve-secrets.json',
  'aws.defense-evasion.cloudtrail-stop.json',
];

/** Ordinary traffic: each tenant's role reading its own secrets, as services do all day. */
export function ordinaryReads(secretNames: readonly string[], now: Date): Array<Record<string, unknown>> {
  return secretNames.flatMap((name, i) => {
    const tenant = name.split('/')[1]!;
    const role = tenant === 'shared' ? 'multitenant-ai-poc-api-role' : `multitenant-ai-poc-${tenant}-role`;
    return [0, 1, 2].map((n) => cloudTrailRead(name, role, new Date(now.getTime() - (i * 3 + n + 1) * 60_000), `demo-${i}-${n}`));
  });
}

/** A role's GetSecretValue of `secret` at `at`, as CloudTrail records it; `id` seeds its event id. */
export function cloudTrailRead(secret: string, role: string, at: Date, id: string): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROADEMO:${role}`,
      arn: `arn:aws:sts::123456789012:assumed-role/${role}/worker`,
      accountId: '123456789012',
      sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROADEMO', arn: `arn:aws:iam::123456789012:role/${role}`, accountId: '123456789012', userName: role } },
    },
    eventTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.12.7',
    userAgent: 'aws-sdk-js/3',
    requestParameters: { secretId: secret },
    responseElements: null,
    eventID: `00000000-0000-4000-8000-${Buffer.from(id).toString('hex').padStart(12, '0').slice(-12)}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '123456789012',
    eventCategory: 'Management',
  };
}

/** The attack logs to replay, or an empty list (with the reason) when the datasets are not beside the repo. */
export function stratusRecords(): { records: Array<Record<string, unknown>>; note?: string } {
  if (!existsSync(STRATUS_DIR)) return { records: [], note: `no Stratus Red Team logs at ${STRATUS_DIR}; replaying ordinary traffic only` };
  return { records: STRATUS_FILES.flatMap((file) => JSON.parse(readFileSync(join(STRATUS_DIR, file), 'utf8')) as Array<Record<string, unknown>>) };
}
