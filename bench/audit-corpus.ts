/**
 * A synthetic but realistic CloudTrail corpus for the audit benchmark: EventBridge events as the
 * audit queue delivers them (SQS message bodies), in time order, from a busy account. Deterministic
 * (seeded), so runs compare.
 *
 * - 40 application roles (`multitenant-ai-poc[-worker]-tenant-<n>-role`), each reading its tenant's 4
 *   secrets and 2 shared ones, with the occasional DescribeSecret and a denied read now and then;
 * - keywarden's own rotate and staleness roles: a rotation every minute or so (GetSecretValue of
 *   AWSCURRENT and AWSPENDING, PutSecretValue, UpdateSecretVersionStage), describes of every secret;
 * - Secrets Manager's service events (RotationStarted/Succeeded);
 * - a few anomalies, so every detector's firing path runs too: a harvesting sweep, filtered
 *   BatchGetSecretValue calls, a denied-read burst, cross-tenant reads, AWSPREVIOUS reads, a
 *   deletion without recovery, a public resource policy.
 */
import { prng } from '../test/support/prng';
import { resourceNames } from '../shared/resource-names';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TENANTS = 20;
const APPS_PER_TENANT = 2;

function role(name: string, session: string): Record<string, unknown> {
  return {
    type: 'AssumedRole',
    principalId: `AROA${name.length}EXAMPLE:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: `ASIA${session.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 16).padEnd(16, 'X')}`,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: `AROA${name.length}EXAMPLE`, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, accountId: ACCOUNT, userName: name },
      webIdFederationData: {},
      attributes: { creationDate: '2024-05-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbC123`;

/** Options for {@link auditCorpus}. */
export interface CorpusOptions {
  events: number;
  /** Events per minute of trail time: 1,000-event batches then span about a minute each. */
  perMinute?: number;
  start?: string;
  seed?: number;
}

/** The corpus: one SQS message body (an EventBridge event carrying a CloudTrail record) per event. */
export function auditCorpus(options: CorpusOptions): string[] {
  const random = prng(options.seed ?? 42);
  const perMinute = options.perMinute ?? 800;
  const start = Date.parse(options.start ?? '2024-05-01T08:00:00Z');
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const apps = Array.from({ length: TENANTS * APPS_PER_TENANT }, (_, i) => {
    const tenant = `tenant-${(i % TENANTS) + 1}`;
    const name = i < TENANTS ? `multitenant-ai-poc-${tenant}-role` : `multitenant-ai-poc-worker-${tenant}-role`;
    return {
      identity: role(name, `i-${(i * 7919).toString(16).padStart(8, '0')}`),
      secrets: [...['database-password', 'api-key', 'jwt-signing', 'redis'].map((s) => `multitenant-ai-poc/${tenant}/${s}`), 'multitenant-ai-poc/shared/feature-flags', 'multitenant-ai-poc/ai-providers/openai'],
    };
  });
  const rotate = role(resourceNames('bench').roles('us-east-1').rotate, 'keywarden-rotate');
  const staleness = role(resourceNames('bench').roles('us-east-1').staleness, 'keywarden-staleness');
  const intruder = { type: 'IAMUser', principalId: 'AIDAINTRUDER', arn: `arn:aws:iam::${ACCOUNT}:user/ci-deployer`, accountId: ACCOUNT, accessKeyId: 'AKIAINTRUDEREXAMPLE', userName: 'ci-deployer' };
  const allSecrets = [...new Set(apps.flatMap((a) => a.secrets))];

  const out: string[] = [];
  let n = 0;
  const emit = (timeMs: number, eventName: string, identity: Record<string, unknown>, fields: Record<string, unknown> = {}) => {
    n += 1;
    const service = identity.invokedBy !== undefined && identity.type === undefined;
    const record = {
      eventVersion: '1.09',
      userIdentity: identity,
      // CloudTrail writes whole seconds.
      eventTime: new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: service ? 'secretsmanager.amazonaws.com' : `10.${n % 200}.${(n >> 8) % 250}.${n % 251}`,
      userAgent: service ? 'secretsmanager.amazonaws.com' : 'aws-sdk-js/3.600.0 ua/2.1 os/linux lang/js md/nodejs#20.12.2 api/secrets-manager#3.600.0',
      requestParameters: null,
      responseElements: null,
      requestID: `${n.toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-0c1d2e3f4a5b`,
      eventID: `${(n * 2654435761 >>> 0).toString(16).padStart(8, '0')}-7e6f-4a3b-9c8d-${n.toString(16).padStart(12, '0')}`,
      readOnly: eventName.startsWith('Get') || eventName.startsWith('Describe') || eventName.startsWith('List') || eventName.startsWith('BatchGet'),
      eventType: service ? 'AwsServiceEvent' : 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: service ? undefined : { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `secretsmanager.${REGION}.amazonaws.com` },
      ...fields,
    };
    out.push(
      JSON.stringify({
        version: '0',
        id: `e${n.toString(16).padStart(7, '0')}-aaaa-4bbb-8ccc-dddddddddddd`,
        'detail-type': service ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail',
        source: 'aws.secretsmanager',
        account: ACCOUNT,
        time: record.eventTime,
        region: REGION,
        resources: [],
        detail: record,
      }),
    );
  };
  const denial = { errorCode: 'AccessDenied', errorMessage: 'User is not authorized to perform: secretsmanager:GetSecretValue' };
  const read = (t: number, identity: Record<string, unknown>, secret: string, extra: Record<string, unknown> = {}, denied = false) =>
    emit(t, 'GetSecretValue', identity, { requestParameters: { secretId: secretArn(secret), ...extra }, ...(denied ? denial : {}) });

  for (let i = 0; out.length < options.events; i += 1) {
    const t = start + (i * 60_000) / perMinute;
    const roll = random();
    if (roll < 0.86) {
      const app = pick(apps);
      read(t, app.identity, pick(app.secrets), {}, random() < 0.01);
    } else if (roll < 0.93) {
      const app = pick(apps);
      emit(t, 'DescribeSecret', app.identity, { requestParameters: { secretId: pick(app.secrets) } });
    } else if (roll < 0.99) {
      emit(t, 'DescribeSecret', staleness, { requestParameters: { secretId: secretArn(pick(allSecrets)) } });
    } else if (roll < 0.992) {
      const secret = pick(allSecrets);
      const version = `v-${i}`;
      read(t, rotate, secret, { versionStage: 'AWSCURRENT' });
      emit(t + 100, 'PutSecretValue', rotate, { requestParameters: { secretId: secretArn(secret), clientRequestToken: version, versionStages: ['AWSPENDING'], secretString: 'HIDDEN_DUE_TO_SECURITY_REASONS' }, responseElements: { arn: secretArn(secret), name: secret, versionId: version } });
      read(t + 200, rotate, secret, { versionStage: 'AWSPENDING' });
      emit(t + 300, 'UpdateSecretVersionStage', rotate, { requestParameters: { secretId: secretArn(secret), versionStage: 'AWSCURRENT', moveToVersionId: version, removeFromVersionId: `v-old-${i}` } });
      emit(t + 400, 'RotationSucceeded', { accountId: ACCOUNT, invokedBy: 'secretsmanager.amazonaws.com' }, { additionalEventData: { SecretId: secretArn(secret) } });
    } else if (roll < 0.994) {
      // The anomalies, spread through the trail.
      const kind = Math.floor(random() * 7);
      if (kind === 0) for (let s = 0; s < 15; s += 1) read(t + s * 200, intruder, allSecrets[(i + s * 7) % allSecrets.length]!);
      if (kind === 1) emit(t, 'BatchGetSecretValue', intruder, { requestParameters: { filters: [{ key: 'tag-key', values: ['team'] }] } });
      if (kind === 2) for (let s = 0; s < 6; s += 1) read(t + s * 100, intruder, pick(allSecrets), {}, true);
      if (kind === 3) read(t, pick(apps).identity, `multitenant-ai-poc/tenant-${1 + Math.floor(random() * TENANTS)}/database-password`);
      if (kind === 4) read(t, pick(apps).identity, pick(allSecrets), { versionStage: 'AWSPREVIOUS' });
      if (kind === 5) emit(t, 'DeleteSecret', intruder, { requestParameters: { secretId: secretArn(pick(allSecrets)), forceDeleteWithoutRecovery: true } });
      if (kind === 6) emit(t, 'PutResourcePolicy', intruder, { requestParameters: { secretId: secretArn(pick(allSecrets)), resourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }) } });
    } else {
      const app = pick(apps);
      read(t, app.identity, pick(app.secrets));
    }
  }
  return out.slice(0, options.events);
}
