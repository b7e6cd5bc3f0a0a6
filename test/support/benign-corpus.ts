/**
 * Two weeks of an ordinary account's Secrets Manager trail, as raw CloudTrail records in time
 * order, with the automation that used to page (External Secrets Operator, the Secrets Manager
 * Agent, the Lambda extension, Terraform plans, keywarden's own rotations and scans) and an admin
 * editing descriptions in the console. Deterministic (seeded). {@link corpusAttacks} gives the
 * attacks of issue 13 to insert into it, each with the rule that must catch it and who does it.
 */
import { prng } from './prng';

export const CORPUS_ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${CORPUS_ACCOUNT}:secret:${name}-AbC123`;
const roleArn = (name: string) => `arn:aws:iam::${CORPUS_ACCOUNT}:role/${name}`;

/** A role session of `name` (what CloudTrail writes for an assumed role). */
export function corpusRole(name: string, session = 'session-1'): Record<string, unknown> {
  return {
    type: 'AssumedRole',
    principalId: `AROA${name.length}CORPUS:${session}`,
    arn: `arn:aws:sts::${CORPUS_ACCOUNT}:assumed-role/${name}/${session}`,
    accountId: CORPUS_ACCOUNT,
    accessKeyId: 'ASIACORPUSEXAMPLE',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: `AROA${name.length}CORPUS`, arn: roleArn(name), accountId: CORPUS_ACCOUNT, userName: name },
      attributes: { creationDate: '2024-05-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

const ADMIN = { type: 'IAMUser', principalId: 'AIDACORPUSADMIN', arn: `arn:aws:iam::${CORPUS_ACCOUNT}:user/alice`, accountId: CORPUS_ACCOUNT, accessKeyId: 'ASIACORPUSALICE', userName: 'alice' };
const SERVICE = { type: 'AWSService', invokedBy: 'secretsmanager.amazonaws.com' };

/** The principals, by role name, as findings name them (the role ARN). */
export const CORPUS_PRINCIPALS = {
  tenantApp: (n: number) => roleArn(`multitenant-ai-poc-tenant-${n}-role`),
  eso: roleArn('external-secrets'),
  agent: roleArn('payments-agent-host'),
  lambda: roleArn('billing-fn-role'),
  terraform: roleArn('terraform-ci'),
  admin: ADMIN.arn,
};

const UA = {
  js: 'aws-sdk-js/3.600.0 ua/2.1 os/linux#5.10.219 lang/js md/nodejs#20.15.0 api/secrets-manager#3.600.0',
  eso: 'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.3 md/GOOS#linux md/GOARCH#amd64 api/secretsmanager#1.28.6 external-secrets',
  agent: 'aws-secrets-manager-agent/1.0.0 aws-sdk-rust/1.1.4',
  lambda: 'AWSParametersAndSecretsLambdaExtension/1.0.103',
  terraform: 'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2',
  console: 'AWS Internal',
  keywarden: 'aws-sdk-js/3.1163.0 ua/2.1 os/linux lang/js md/nodejs#20.19.0 exec-env/AWS_Lambda_nodejs20.x keywarden',
  cli: 'aws-cli/2.15.0 md/awscrt#0.19.17 ua/2.0 os/macos#23.2.0 md/arch#arm64 lang/python#3.11.6',
};

const TENANTS = 4;
const tenantSecrets = (n: number) => ['database-password', 'api-key', 'redis'].map((s) => `multitenant-ai-poc/tenant-${n}/${s}`);
const ESO_FILTERS = [
  { filter: [{ key: 'tag-key', values: ['eso-sync'] }, { key: 'tag-value', values: ['frontend'] }], secrets: ['multitenant-ai-poc/shared/feature-flags', 'multitenant-ai-poc/shared/sentry-dsn', 'multitenant-ai-poc/ai-providers/openai'] },
  { filter: [{ key: 'tag-key', values: ['eso-sync'] }, { key: 'tag-value', values: ['workers'] }], secrets: ['multitenant-ai-poc/shared/queue', 'multitenant-ai-poc/shared/smtp', 'multitenant-ai-poc/ai-providers/anthropic', 'multitenant-ai-poc/shared/s3-signing'] },
  // With this store ESO reads 13 values an hour, above the harvesting threshold (10): its schedule
  // must not look like a sweep.
  { filter: [{ key: 'tag-key', values: ['eso-sync'] }, { key: 'tag-value', values: ['platform'] }], secrets: ['multitenant-ai-poc/shared/grafana', 'multitenant-ai-poc/shared/pagerduty', 'multitenant-ai-poc/shared/github-app', 'multitenant-ai-poc/shared/registry', 'multitenant-ai-poc/shared/vpn', 'multitenant-ai-poc/shared/ldap'] },
];
const TERRAFORM_SECRETS = Array.from({ length: 12 }, (_, i) => (i < TENANTS * 3 ? tenantSecrets((i % TENANTS) + 1)[Math.floor(i / TENANTS)]! : `multitenant-ai-poc/shared/s-${i}`));
const ALL_SECRETS = [...new Set([...Array.from({ length: TENANTS }, (_, i) => tenantSecrets(i + 1)).flat(), ...ESO_FILTERS.flatMap((f) => f.secrets)])];

/** Builds records one at a time; every record gets a unique event id. */
class Trail {
  readonly records: Array<Record<string, unknown>> = [];
  private n = 0;

  constructor(private readonly prefix: string) {}

  add(timeMs: number, eventName: string, identity: Record<string, unknown>, fields: { ip?: string; ua?: string; request?: unknown; response?: unknown; eventType?: string; console?: boolean } = {}): void {
    this.n += 1;
    const record: Record<string, unknown> = {
      eventVersion: '1.09',
      userIdentity: identity,
      eventTime: new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: fields.ip ?? 'secretsmanager.amazonaws.com',
      userAgent: fields.ua ?? 'secretsmanager.amazonaws.com',
      requestParameters: fields.request ?? null,
      responseElements: fields.response ?? null,
      requestID: `${this.prefix}-req-${this.n}`,
      eventID: `${this.prefix}-${String(this.n).padStart(8, '0')}-0000-4000-8000-000000000000`,
      readOnly: eventName.startsWith('Get') || eventName.startsWith('Describe') || eventName.startsWith('List') || eventName.startsWith('Batch'),
      eventType: fields.eventType ?? 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: CORPUS_ACCOUNT,
      eventCategory: 'Management',
    };
    if (fields.console) record.sessionCredentialFromConsole = 'true';
    this.records.push(record);
  }
}

/** Options for {@link benignCorpus}. */
export interface BenignCorpusOptions {
  start?: string;
  days?: number;
  seed?: number;
}

/**
 * The benign trail: `days` (14) of it from `start`, sorted by time. keywarden's own roles are those
 * of stage `ci` in {@link CORPUS_ACCOUNT} (`keywarden-ci-rotate-eu-west-1`, `keywarden-ci-staleness-eu-west-1`).
 */
export function benignCorpus(options: BenignCorpusOptions = {}): Array<Record<string, unknown>> {
  const random = prng(options.seed ?? 13);
  const start = Date.parse(options.start ?? '2024-06-01T00:00:00Z');
  const days = options.days ?? 14;
  const end = start + days * DAY_MS;
  // Event ids unique per corpus: two corpora replayed into one state must not share any.
  const trail = new Trail(`benign-${options.seed ?? 13}-${Math.floor(start / DAY_MS)}`);
  const jitter = (ms: number) => Math.floor(random() * ms);

  // Tenant applications (ECS tasks in private subnets): each reads its secrets when its cache expires.
  for (let t = 1; t <= TENANTS; t += 1) {
    const app = corpusRole(`multitenant-ai-poc-tenant-${t}-role`, `task-${t}`);
    for (let at = start + jitter(15 * MINUTE_MS); at < end; at += 15 * MINUTE_MS + jitter(MINUTE_MS)) {
      for (const secret of [...tenantSecrets(t), 'multitenant-ai-poc/shared/feature-flags']) {
        trail.add(at + jitter(20_000), 'GetSecretValue', app, { ip: `10.${t}.${Math.floor(random() * 4)}.${10 + Math.floor(random() * 200)}`, ua: UA.js, request: { secretId: secretArn(secret) } });
      }
    }
  }
  // External Secrets Operator: every hour, one BatchGetSecretValue per store filter, then the
  // per-secret GetSecretValue records CloudTrail writes for what the batch returned.
  const eso = corpusRole('external-secrets', 'eso-controller');
  for (let hour = start; hour < end; hour += HOUR_MS) {
    const at = hour + 7_000 + jitter(3_000);
    for (const { filter, secrets } of ESO_FILTERS) {
      const ip = `10.20.${Math.floor(random() * 3)}.${Math.floor(random() * 250)}`;
      trail.add(at, 'BatchGetSecretValue', eso, { ip, ua: UA.eso, request: { filters: filter } });
      for (const secret of secrets) trail.add(at + 200, 'GetSecretValue', eso, { ip, ua: UA.eso, request: { secretId: secretArn(secret) } });
    }
  }
  // The Secrets Manager Agent on the payments hosts: a 5-minute cache, two secrets.
  const agent = corpusRole('payments-agent-host', 'i-0payments');
  for (let at = start + jitter(MINUTE_MS); at < end; at += 5 * MINUTE_MS + jitter(10_000)) {
    for (const secret of ['multitenant-ai-poc/shared/queue', 'multitenant-ai-poc/shared/smtp']) trail.add(at, 'GetSecretValue', agent, { ip: `10.30.1.${20 + Math.floor(random() * 5)}`, ua: UA.agent, request: { secretId: secret } });
  }
  // A Lambda function outside a VPC, through the extension: AWS public addresses that change.
  const lambda = corpusRole('billing-fn-role', 'billing-fn');
  for (let at = start + jitter(HOUR_MS); at < end; at += 20 * MINUTE_MS + jitter(20 * MINUTE_MS)) {
    trail.add(at, 'GetSecretValue', lambda, { ip: `3.${250 + Math.floor(random() * 5)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`, ua: UA.lambda, request: { secretId: secretArn('multitenant-ai-poc/shared/s3-signing') } });
  }
  // Terraform plans from CI runners (public addresses), two or three a day: describes every secret it manages.
  const terraform = corpusRole('terraform-ci', 'github-actions');
  for (let day = start; day < end; day += DAY_MS) {
    for (let plan = 0; plan < 2 + Math.floor(random() * 2); plan += 1) {
      const at = day + 8 * HOUR_MS + plan * 3 * HOUR_MS + jitter(HOUR_MS);
      const ip = `20.${Math.floor(random() * 40)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
      for (const [i, secret] of TERRAFORM_SECRETS.entries()) {
        trail.add(at + i * 300, 'DescribeSecret', terraform, { ip, ua: UA.terraform, request: { secretId: secretArn(secret) } });
        trail.add(at + i * 300 + 100, 'GetResourcePolicy', terraform, { ip, ua: UA.terraform, request: { secretId: secretArn(secret) } });
      }
    }
  }
  // keywarden's staleness scan every hour, and its rotations (each secret weekly) with Secrets Manager's service events.
  const staleness = corpusRole('keywarden-ci-staleness-eu-west-1', 'keywarden-staleness');
  const rotate = corpusRole('keywarden-ci-rotate-eu-west-1', 'keywarden-rotate');
  for (let hour = start; hour < end; hour += HOUR_MS) {
    const at = hour + 30 * MINUTE_MS;
    trail.add(at, 'ListSecrets', staleness, { ip: '3.250.1.1', ua: UA.keywarden, request: { maxResults: 100 } });
    for (const [i, secret] of ALL_SECRETS.entries()) trail.add(at + 1000 + i * 50, 'DescribeSecret', staleness, { ip: '3.250.1.1', ua: UA.keywarden, request: { secretId: secretArn(secret) } });
  }
  for (const [i, secret] of ALL_SECRETS.entries()) {
    for (let at = start + (i * DAY_MS) / 3 + 2 * HOUR_MS; at < end; at += 7 * DAY_MS) {
      const token = `v-${i}-${at}`;
      trail.add(at, 'RotationStarted', SERVICE, { eventType: 'AwsServiceEvent', response: null, request: null, ip: 'secretsmanager.amazonaws.com' });
      trail.records.at(-1)!.additionalEventData = { SecretId: secretArn(secret) };
      trail.add(at + 1000, 'GetSecretValue', rotate, { ip: '3.250.1.2', ua: UA.keywarden, request: { secretId: secretArn(secret), versionStage: 'AWSCURRENT' } });
      trail.add(at + 2000, 'PutSecretValue', rotate, { ip: '3.250.1.2', ua: UA.keywarden, request: { secretId: secretArn(secret), clientRequestToken: token, versionStages: ['AWSPENDING'], secretString: 'HIDDEN_DUE_TO_SECURITY_REASONS' } });
      trail.add(at + 4000, 'UpdateSecretVersionStage', rotate, { ip: '3.250.1.2', ua: UA.keywarden, request: { secretId: secretArn(secret), versionStage: 'AWSCURRENT', moveToVersionId: token, removeFromVersionId: `old-${token}` } });
      trail.add(at + 5000, 'RotationSucceeded', SERVICE, { eventType: 'AwsServiceEvent' });
      trail.records.at(-1)!.additionalEventData = { SecretId: secretArn(secret) };
    }
  }
  // An admin in the console, most days: looks at the list, opens a secret or two, edits a description.
  for (let day = start; day < end; day += DAY_MS) {
    if (random() < 0.3) continue;
    const at = day + 10 * HOUR_MS + jitter(6 * HOUR_MS);
    const ip = `198.51.100.${10 + Math.floor(random() * 5)}`;
    const secret = ALL_SECRETS[Math.floor(random() * ALL_SECRETS.length)]!;
    trail.add(at, 'ListSecrets', ADMIN, { ip, ua: UA.console, console: true, request: { maxResults: 25 } });
    trail.add(at + 20_000, 'DescribeSecret', ADMIN, { ip, ua: UA.console, console: true, request: { secretId: secretArn(secret) } });
    trail.add(at + 60_000, 'UpdateSecret', ADMIN, { ip, ua: UA.console, console: true, request: { secretId: secretArn(secret), description: `owned by team ${Math.floor(random() * 9)}` } });
  }
  return sortByTime(trail.records);
}

/** One attack of issue 13, to insert into the corpus. */
export interface CorpusAttack {
  name: string;
  /** The rule that must catch it, once. */
  ruleId: string;
  /** The principal the finding must name (principal.arn). */
  principal: string;
  records: Array<Record<string, unknown>>;
}

/** The attacks, each at its own hour `at` (after the learning period), by its own principal. */
export function corpusAttacks(at: string): CorpusAttack[] {
  const base = Date.parse(at);
  const trail = (name: string) => new Trail(`attack-${name}`);
  const out: CorpusAttack[] = [];
  const attack = (name: string, ruleId: string, principal: string, build: (t: Trail, startMs: number) => void) => {
    const t = trail(name);
    build(t, base + out.length * 2 * HOUR_MS);
    out.push({ name, ruleId, principal, records: t.records });
  };
  const app = (n: number) => corpusRole(`multitenant-ai-poc-tenant-${n}-role`, `task-${n}`);
  attack('a tenant app\'s role writes AWSCURRENT from its own task', 'audit.value-written', CORPUS_PRINCIPALS.tenantApp(1), (t, s) =>
    t.add(s, 'PutSecretValue', app(1), { ip: '10.1.0.44', ua: UA.js, request: { secretId: secretArn(tenantSecrets(1)[0]!), clientRequestToken: 'evil-1', secretString: 'HIDDEN_DUE_TO_SECURITY_REASONS' } }),
  );
  attack('the admin points rotation at a function in another account', 'audit.rotation-hijack', CORPUS_PRINCIPALS.admin, (t, s) =>
    t.add(s, 'RotateSecret', ADMIN, { ip: '198.51.100.11', ua: UA.console, console: true, request: { secretId: secretArn(tenantSecrets(2)[0]!), rotationLambdaARN: 'arn:aws:lambda:eu-west-1:666666666666:function:rotator' } }),
  );
  attack('the admin moves a secret to a KMS key in another account', 'audit.kms-key-changed', CORPUS_PRINCIPALS.admin, (t, s) =>
    t.add(s, 'UpdateSecret', ADMIN, { ip: '198.51.100.11', ua: UA.console, console: true, request: { secretId: secretArn(tenantSecrets(3)[1]!), kmsKeyId: 'arn:aws:kms:eu-west-1:666666666666:key/0b7e1b5a-0000-4000-8000-000000000001' } }),
  );
  attack('a tenant app\'s role describes every secret it can see (its own and the shared ones)', 'audit.enumeration-sweep', CORPUS_PRINCIPALS.tenantApp(2), (t, s) => {
    for (const [i, secret] of [...tenantSecrets(2), ...ESO_FILTERS.flatMap((f) => f.secrets)].entries()) t.add(s + i * 500, 'DescribeSecret', app(2), { ip: '10.2.1.50', ua: UA.js, request: { secretId: secretArn(secret) } });
  });
  attack('Pacu with a tenant app\'s credentials, from its task', 'audit.offensive-tool', CORPUS_PRINCIPALS.tenantApp(3), (t, s) => {
    for (const i of [0, 1, 2]) t.add(s + i * 1000, 'GetSecretValue', app(3), { ip: '10.3.0.60', ua: `Pacu/1.5.3 ${UA.cli}`, request: { secretId: secretArn(tenantSecrets(3)[i]!) } });
  });
  attack('a tenant app\'s first BatchGetSecretValue', 'audit.first-batch-read', CORPUS_PRINCIPALS.tenantApp(4), (t, s) =>
    t.add(s, 'BatchGetSecretValue', app(4), { ip: '10.4.0.70', ua: UA.js, request: { secretIdList: tenantSecrets(4).slice(0, 2).map(secretArn) } }),
  );
  attack('the agent host\'s credentials used from the internet with boto3', 'audit.new-network-client', CORPUS_PRINCIPALS.agent, (t, s) => {
    for (const [i, secret] of ['multitenant-ai-poc/shared/queue', 'multitenant-ai-poc/shared/smtp'].entries()) {
      t.add(s + i * 2000, 'GetSecretValue', corpusRole('payments-agent-host', 'i-0payments'), { ip: '203.0.113.50', ua: 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.5.0 lang/python#3.11.6', request: { secretId: secret } });
    }
  });
  attack('External Secrets Operator\'s role asks a new catch-all question', 'audit.batch-retrieval', CORPUS_PRINCIPALS.eso, (t, s) =>
    t.add(s + 30 * MINUTE_MS, 'BatchGetSecretValue', corpusRole('external-secrets', 'eso-controller'), { ip: '10.20.1.9', ua: UA.eso, request: { filters: [{ key: 'tag-key', values: ['team'] }] } }),
  );
  return out;
}

/**
 * External Secrets Operator's role, stolen, reading every tenant secret in the minute after the
 * hour's scheduled sync, from ESO's own address range and user agent: the sweep must not hide
 * behind the schedule's per-secret reads. `hour` is the start of an hour of the corpus.
 */
export function esoHarvestBesideItsSync(hour: string): CorpusAttack {
  const t = new Trail('attack-eso-harvest');
  const eso = corpusRole('external-secrets', 'eso-controller');
  const startMs = Date.parse(hour) + 11_000;
  const tenantSecretNames = Array.from({ length: TENANTS }, (_, i) => tenantSecrets(i + 1)).flat();
  for (const [i, secret] of tenantSecretNames.entries()) t.add(startMs + i * 300, 'GetSecretValue', eso, { ip: '10.20.1.77', ua: UA.eso, request: { secretId: secretArn(secret) } });
  return { name: 'ESO\'s stolen role sweeps tenant secrets right after its sync', ruleId: 'audit.secret-harvesting', principal: CORPUS_PRINCIPALS.eso, records: t.records };
}

/** Records sorted by event time (stable). */
export function sortByTime(records: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return records.map((r, i) => [r, i] as const).sort((a, b) => (a[0].eventTime as string).localeCompare(b[0].eventTime as string) || a[1] - b[1]).map(([r]) => r);
}
