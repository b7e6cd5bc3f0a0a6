import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { resetClients } from '../../shared/aws/clients';
import type { Finding } from '../../shared/finding';
import type { ComplianceReport } from '../../shared/staleness/report';
import { inAccount } from '../support/accounts';
import { captureOutput, jsonLines } from '../support/capture-output';
import { drainFindings, findingsQueue, readMetrics, runScan, stalenessEnv } from '../support/local-staleness-scan';

/**
 * Staleness, the report, doctor and `stale` across a three-account, two-region organization on
 * the local AWS (moto keys its state by account id; the credentials of an assumed role act in the
 * role's account), through the BUILT staleness bundle and the CLI:
 *
 * - home 123456789012 in us-east-1 (its own credentials), with a replica in eu-west-1;
 * - 111111111111 and 222222222222 in us-east-1 and eu-west-1, each through its member role with an
 *   external id, each with a secret replicated from us-east-1 to eu-west-1;
 * - 333333333333, configured but with no role deployed: AssumeRole is refused
 *   (cli/local/moto_patches/sts.py), which is reported and stops nothing.
 */

const HOME = '123456789012';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const REGIONS = ['us-east-1', 'eu-west-1'];
const ROLE_PATH = '/keywarden-member/';
const roleArn = (account: string) => `arn:aws:iam::${account}:role${ROLE_PATH}keywarden-ci-reader`;
const externalId = (account: string) => `kw-ci-${account}`;

const sm = (account: string, region: string) => inAccount(new SecretsManagerClient({ region }), account);

async function memberRole(account: string): Promise<void> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId(account) } } }],
  };
  await inAccount(new IAMClient({}), account).send(new CreateRoleCommand({ RoleName: 'keywarden-ci-reader', Path: ROLE_PATH, AssumeRolePolicyDocument: JSON.stringify(trust) }));
}

interface Organization {
  /** Secrets each account holds (primaries), by account. */
  primaries: Record<string, string[]>;
  /** The home replica's ARN in eu-west-1. */
  homeReplicaArn: string;
  homePrimaryArn: string;
  churnArn: string;
}

async function createOrganization(): Promise<Organization> {
  await memberRole(A);
  await memberRole(B);
  const primaries: Record<string, string[]> = { [HOME]: [], [A]: [], [B]: [] };
  const home = await sm(HOME, 'us-east-1').send(
    new CreateSecretCommand({ Name: 'org/home/api-token', SecretString: 'home-token-value-1', AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
  );
  primaries[HOME]!.push('org/home/api-token');
  for (const account of [A, B]) {
    await sm(account, 'us-east-1').send(
      new CreateSecretCommand({ Name: `org/${account}/db-password`, SecretString: `db-${account}-value`, AddReplicaRegions: [{ Region: 'eu-west-1' }] }),
    );
    await sm(account, 'eu-west-1').send(new CreateSecretCommand({ Name: `org/${account}/eu-api-key`, SecretString: `eu-${account}-value` }));
    primaries[account]!.push(`org/${account}/db-password`, `org/${account}/eu-api-key`);
  }
  // A secret written far too often: 85 versions within the day (the quota is 100).
  const churn = await sm(A, 'us-east-1').send(new CreateSecretCommand({ Name: `org/${A}/churning`, SecretString: 'churn-0' }));
  for (let i = 1; i < 85; i += 1) await sm(A, 'us-east-1').send(new PutSecretValueCommand({ SecretId: churn.ARN, SecretString: `churn-${i}` }));
  primaries[A]!.push(`org/${A}/churning`);
  return { primaries, homePrimaryArn: home.ARN!, homeReplicaArn: home.ARN!.replace(':us-east-1:', ':eu-west-1:'), churnArn: churn.ARN! };
}

function configure(): void {
  stalenessEnv({});
  Object.assign(process.env, {
    KEYWARDEN_HOME_ACCOUNT_ID: HOME,
    KEYWARDEN_STAGE: 'ci',
    KEYWARDEN_ACCOUNTS: JSON.stringify([
      { accountId: HOME, regions: ['us-east-1'] },
      { accountId: A, roleArn: roleArn(A), externalId: externalId(A), regions: REGIONS },
      { accountId: B, roleArn: roleArn(B), externalId: externalId(B), regions: REGIONS },
      { accountId: C, roleArn: roleArn(C), externalId: externalId(C), regions: ['us-east-1'] },
    ]),
  });
  resetClients();
}

const keywarden = (...args: string[]) => captureOutput(() => main(['node', 'keywarden', ...args]));

beforeEach(configure);

describe('staleness across accounts and regions (local AWS)', () => {
  it('scans every reachable account and region through the built bundle, folds replicas, watches versions and reports the unreachable account', async () => {
    const org = await createOrganization();
    const queue = await findingsQueue('accounts-test-findings');
    const now = new Date();
    const summary = await runScan(now);

    expect(summary.accounts).toEqual({ scopes: 6, reached: 5, unreachable: [{ account: C, region: 'us-east-1', step: 'assume-role', code: 'AccessDenied' }] });
    // Primaries only: home 1, A 3, B 2; the replicas of A's and B's db-password are under them.
    expect(summary.secrets).toBe(6);
    expect(summary.replicas).toBe(2);
    // Every secret was written within the day, so each is counted once; only the churning one is near the quota.
    expect(summary.versions).toEqual({ calls: 6, counted: 6, nearLimit: 1 });

    const findings = await drainFindings(queue);
    const unreachable = findings.filter((f) => f.ruleId === 'staleness.account-unreachable');
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatchObject({ account: C, status: 'open', severity: 'high', evidence: { region: 'us-east-1', step: 'assume-role', errorCode: 'AccessDenied' } });
    const versions = findings.filter((f) => f.ruleId === 'staleness.version-limit');
    expect(versions.map((f: Finding) => [f.secret?.arn, f.account, f.evidence.versions])).toEqual([[org.churnArn, A, 85]]);

    const at = new Date(summary.asOf);
    const [all, inA, inB, inHome, unreachableAll, unreachableC, unreachableA] = await readMetrics(
      [
        { name: 'Secrets' },
        { name: 'Secrets', dimensions: { Account: A } },
        { name: 'Secrets', dimensions: { Account: B } },
        { name: 'Secrets', dimensions: { Account: HOME } },
        { name: 'UnreachableScopes' },
        { name: 'UnreachableScopes', dimensions: { Account: C } },
        { name: 'UnreachableScopes', dimensions: { Account: A } },
      ],
      at,
    );
    expect([all, inA, inB, inHome, unreachableAll, unreachableC, unreachableA]).toEqual([6, 3, 2, 1, 1, 1, 0]);

    // A second scan the same day repeats nothing; the account stays unreachable and its finding open.
    const again = await runScan(new Date(now.getTime() + 60_000));
    expect(again.findings.sent).toBe(0);
    expect(again.findings.resolved).toBe(0);
  });

  it('keywarden stale, report and doctor cover every reachable account and region and name the one that is not', async () => {
    const org = await createOrganization();
    // A stuck rotation in B: doctor names it with its account and region, and does not touch it.
    const stuck = await sm(B, 'eu-west-1').send(new PutSecretValueCommand({ SecretId: `org/${B}/eu-api-key`, SecretString: 'pending', VersionStages: ['AWSPENDING'] }));

    const stale = await keywarden('stale', '--json');
    expect(stale.result).toBe(1);
    const lines = jsonLines(stale.printed);
    const secrets = lines.filter((l) => typeof l.name === 'string' && l.kind === 'secret');
    expect(secrets.map((l) => `${l.account}/${l.region}/${l.name}`).sort()).toEqual(
      [
        `${HOME}/us-east-1/org/home/api-token`,
        `${A}/us-east-1/org/${A}/db-password`,
        `${A}/eu-west-1/org/${A}/eu-api-key`,
        `${A}/us-east-1/org/${A}/churning`,
        `${B}/us-east-1/org/${B}/db-password`,
        `${B}/eu-west-1/org/${B}/eu-api-key`,
      ].sort(),
    );
    const dbA = secrets.find((l) => l.name === `org/${A}/db-password`)!;
    expect(dbA.replicas).toEqual([{ region: 'eu-west-1', arn: (dbA.arn as string).replace(':us-east-1:', ':eu-west-1:') }]);
    expect(secrets.find((l) => l.name === `org/${A}/churning`)!.versions).toBe(85);
    expect(lines.filter((l) => l.unreachable)).toEqual([{ unreachable: true, account: C, region: 'us-east-1', step: 'assume-role', code: 'AccessDenied' }]);

    const table = await keywarden('stale');
    expect(table.printed).toMatch(/^STATUS\s+SECRET\s+ACCOUNT\s+REGION\s+KIND/m);
    expect(table.printed).toMatch(new RegExp(`org/${A}/db-password\\s+${A}\\s+us-east-1 .*replicas: eu-west-1`));
    expect(table.printed).toContain(`UNREACHABLE ${C}/us-east-1: assume-role failed (AccessDenied)`);

    const dir = mkdtempSync(join(tmpdir(), 'kw-accounts-report-'));
    const report = await keywarden('report', '--format', 'json', '--out', join(dir, 'r.json'));
    expect(report.result).toBe(1);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ComplianceReport;
    expect(json.totals.secrets).toBe(6);
    expect(json.byAccount.map((r) => [r.account, r.secrets])).toEqual([
      [A, 3],
      [HOME, 1],
      [B, 2],
    ]);
    expect(json.unreachable).toEqual([{ account: C, region: 'us-east-1', step: 'assume-role', code: 'AccessDenied' }]);
    expect(json.replicas).toBe(2);
    await keywarden('report', '--format', 'html', '--out', join(dir, 'r.html'));
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<h2>Accounts not read (1)</h2>');
    expect(html).toContain(`<td>${C}</td><td>us-east-1</td><td>assume-role</td><td>AccessDenied</td>`);
    expect(html).toMatch(new RegExp(`<td class="name">org/${A}/churning</td><td>${A}</td><td>us-east-1</td>`));

    const doctor = await keywarden('doctor', '--json');
    expect(doctor.result).toBe(1);
    const doctorLines = jsonLines(doctor.printed);
    expect(doctorLines.filter((l) => l.unreachable).map((l) => l.account)).toEqual([C]);
    const problems = doctorLines.flatMap((l) => (l.problems as Array<Record<string, unknown>> | undefined) ?? []);
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'stuck-rotation', secret: `org/${B}/eu-api-key`, account: B, region: 'eu-west-1', fixable: false, detail: `version ${stuck.VersionId} is AWSPENDING but not AWSCURRENT` }),
    ]);
    // --fix leaves another account's secret alone (this run only reads there).
    const fix = await keywarden('doctor', '--fix', '--json');
    expect(fix.result).toBe(1);
    const after = await sm(B, 'eu-west-1').send(new DescribeSecretCommand({ SecretId: `org/${B}/eu-api-key` }));
    expect(after.VersionIdsToStages?.[stuck.VersionId!]).toEqual(['AWSPENDING']);

    // A replica is never rotated on its own: the refusal names its primary.
    const rotate = await keywarden('rotate', org.homeReplicaArn);
    expect(rotate.result).toBe(2);
    expect(rotate.printed).toContain(`is a replica: it is rotated through its primary, never on its own. Rotate the primary instead: keywarden rotate ${org.homePrimaryArn}`);
  });

  it('attack: a caller without the external id the member role demands (or with a guessed one) is refused a session by the local AWS, as by AWS', async () => {
    await memberRole(A);
    const sts = new STSClient({});
    const refused = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn(A), RoleSessionName: 'attacker', ExternalId: 'guessed' })).catch((e: Error) => e);
    expect((refused as Error).name).toBe('AccessDenied');
    const missing = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn(A), RoleSessionName: 'attacker' })).catch((e: Error) => e);
    expect((missing as Error).name).toBe('AccessDenied');
    const granted = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn(A), RoleSessionName: 'keywarden-ci-staleness', ExternalId: externalId(A) }));
    expect(granted.AssumedRoleUser?.Arn).toContain(`:${A}:assumed-role/keywarden-ci-reader/keywarden-ci-staleness`);
  });
});
