import { describe, expect, it } from 'vitest';
import { refreshFailedFinding } from '../../../shared/refresh/findings';

const FACTS = {
  secret: { name: 'app/tenant-1/db', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/tenant-1/db-AbCdEf' },
  tenant: 'tenant-1',
  versionId: 'v2',
  action: 'lambda-config-version' as const,
  target: 'team-tenant-1-worker',
  tag: 'keywarden:refresh-lambda',
  observedAt: new Date('2026-12-03T10:00:00Z'),
};

describe('the refresh-failed finding', () => {
  it("attack: Lambda's answer for an environment past 4 KB quotes the function's variables; none reaches the finding", () => {
    const error = Object.assign(new Error('Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"DB_PASSWORD":"shared-fn-Pa55word","KEYWARDEN_SECRET_VERSION":"v2"}'), {
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
    const finding = refreshFailedFinding(FACTS, error);
    expect(JSON.stringify(finding)).not.toContain('shared-fn-Pa55word');
    expect(JSON.stringify(finding)).not.toContain('DB_PASSWORD');
    expect(finding.evidence).toMatchObject({ httpStatus: 400 });
    expect(String(finding.evidence.error)).toContain('exceeded the 4KB limit');
  });
});
