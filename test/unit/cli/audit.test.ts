import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseFinding, type Finding } from '../../../shared/finding';
import { main } from '../../../cli/main';
import { captureOutput } from '../../support/capture-output';
import { APP_ROLE, USER, cloudTrail, envelope, getSecretValue } from '../../support/cloudtrail-records';

const STRATUS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'datasets', 'stratus-red-team');
const dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-cli-'));
const CANARY = 'kw-canary-Zq8vN3xL0pTq7RsW2yB5';

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function keywarden(...args: string[]) {
  const run = await captureOutput(() => main(['node', 'keywarden', ...args]));
  return { code: run.result, printed: run.printed, error: run.error };
}

function findingsIn(printed: string): Finding[] {
  return printed
    .split('\n')
    .filter((line) => line.startsWith('{"id":"audit.'))
    .map((line) => parseFinding(JSON.parse(line)));
}

/** Records carrying a secret-like value in every field CloudTrail could put one, none of which keywarden copies. */
function withCanary(record: Record<string, unknown>): Record<string, unknown> {
  const request = (record.requestParameters as Record<string, unknown> | null) ?? {};
  return {
    ...record,
    requestParameters: { ...request, secretString: CANARY, secretBinary: CANARY, description: CANARY, clientRequestToken: CANARY, kmsKeyId: CANARY },
    responseElements: { secretString: CANARY, versionStages: [CANARY] },
    additionalEventData: { planted: CANARY },
    tlsDetails: { clientProvidedHostHeader: CANARY },
    serviceEventDetails: { value: CANARY },
  };
}

describe('keywarden audit replay --memory', () => {
  it('reads a JSON array, NDJSON, a gzipped CloudTrail log file and EventBridge events, and prints one JSON line per finding', async () => {
    const harvest = Array.from({ length: 12 }, (_, i) => withCanary(getSecretValue(`app/tenant-1/s-${i}`, USER, `2024-05-01T10:00:${String(i).padStart(2, '0')}Z`)));
    const previous = withCanary(getSecretValue('multitenant-ai-poc/tenant-1/database-password', APP_ROLE, '2024-05-01T10:01:00Z', { requestParameters: { secretId: 'multitenant-ai-poc/tenant-1/database-password', versionStage: 'AWSPREVIOUS', secretString: CANARY } }));
    const policy = withCanary(cloudTrail('DeleteSecret', { userIdentity: USER, requestParameters: { secretId: 'app/tenant-1/s-0', forceDeleteWithoutRecovery: true } }));
    writeFileSync(join(dir, 'array.json'), JSON.stringify(harvest.slice(0, 6)));
    writeFileSync(join(dir, 'lines.ndjson'), `${harvest.slice(6, 9).map((r) => JSON.stringify(r)).join('\n')}\n{"eventID": "torn`);
    writeFileSync(join(dir, 'trail.json.gz'), gzipSync(JSON.stringify({ Records: harvest.slice(9) })));
    writeFileSync(join(dir, 'events.json'), JSON.stringify([envelope(previous), envelope(policy)]));

    const run = await keywarden('--json', 'audit', 'replay', '--memory', ...['array.json', 'lines.ndjson', 'trail.json.gz', 'events.json'].map((f) => join(dir, f)));
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(2); // one unreadable line; the rest was processed
    expect(run.printed).toMatch(/failed record .*lines\.ndjson#4: not JSON/);
    expect(run.printed).toMatch(/1 record\(s\) failed/);
    const findings = findingsIn(run.printed);
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['audit.previous-version-read', 'audit.secret-deletion', 'audit.secret-harvesting']);
    const previousFinding = findings.find((f) => f.ruleId === 'audit.previous-version-read')!;
    expect(previousFinding.principal?.arn).toBe('arn:aws:iam::111122223333:role/multitenant-ai-poc-tenant-1-role');
    expect(previousFinding.evidence).toMatchObject({ secrets: ['multitenant-ai-poc/tenant-1/database-password'], versionStage: 'AWSPREVIOUS' });
    expect(findings.find((f) => f.ruleId === 'audit.secret-harvesting')!.evidence.secrets).toHaveLength(12);
    expect(run.printed).not.toContain(CANARY);
  });

  it('raises exactly the right finding for each Stratus Red Team Secrets Manager and SSM parameter file, and nothing, without error, for the others', async () => {
    const files = readdirSync(STRATUS).filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const run = await keywarden('--json', 'audit', 'replay', '--memory', join(STRATUS, file));
      expect(run.error, file).toBeUndefined();
      expect(run.code, file).toBe(0);
      const rules = findingsIn(run.printed).map((f) => f.ruleId);
      if (file === 'aws.credential-access.secretsmanager-retrieve-secrets.json') expect(rules).toEqual(['audit.secret-harvesting']);
      else if (file === 'aws.credential-access.secretsmanager-batch-retrieve-secrets.json') expect(rules).toEqual(['audit.batch-retrieval']);
      // 42 SecureString parameters decrypted in five GetParameters calls.
      else if (file === 'aws.credential-access.ssm-retrieve-securestring-parameters.json') expect(rules).toEqual(['audit.secret-harvesting']);
      else expect(rules, file).toEqual([]);
    }
  });

  it('prints findings as text by default, and refuses a missing file with exit code 2', async () => {
    const run = await keywarden('audit', 'replay', '--memory', join(STRATUS, 'aws.credential-access.secretsmanager-retrieve-secrets.json'));
    expect(run.code).toBe(0);
    expect(run.printed).toMatch(/\[high\] audit\.secret-harvesting: Secret harvesting: arn:aws:iam::903144391865:user\/christophe read 20 distinct secrets/);
    expect(run.printed).toMatch(/principal: arn:aws:iam::903144391865:user\/christophe/);
    const missing = await keywarden('audit', 'replay', '--memory', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.printed).toMatch(/cannot read .*nope\.json: ENOENT/);
  });

  it('refuses a query without exactly one of --secret, --principal, --tenant', async () => {
    const run = await keywarden('audit', 'query', '--since', '7d');
    expect(run.code).toBe(2);
    expect(run.printed).toMatch(/give exactly one of --secret, --principal, --tenant/);
  });
});
