import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseCloudTrail, type NormaliseResult } from '../../../shared/audit/normalise';
import type { AuditRecord } from '../../../shared/audit/record';
import { ACCOUNT, APP_ROLE, USER, cloudTrail, envelope, getSecretValue, secretArn } from '../../support/cloudtrail-records';

const STRATUS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'datasets', 'stratus-red-team');

function record(result: NormaliseResult): AuditRecord {
  if (result.kind !== 'record') throw new Error(`expected a record, got ${result.kind}: ${result.reason}`);
  return result.record;
}

describe('normaliseCloudTrail', () => {
  it('reads a raw record and the same record in an EventBridge event, as text or parsed, alike', () => {
    const raw = getSecretValue('multitenant-ai-poc/tenant-2/database-password', APP_ROLE, '2024-05-01T10:00:00Z', { requestParameters: { secretId: secretArn('multitenant-ai-poc/tenant-2/database-password'), versionStage: 'AWSPREVIOUS' } });
    const a = record(normaliseCloudTrail(raw));
    // The envelope adds only the account EventBridge stamped it with (member-accounts.ts).
    expect(record(normaliseCloudTrail(envelope(raw)))).toEqual({ ...a, eventAccount: ACCOUNT });
    expect(record(normaliseCloudTrail(JSON.stringify(envelope(raw))))).toEqual({ ...a, eventAccount: ACCOUNT });
    expect(a).toMatchObject({
      eventId: raw.eventID,
      time: '2024-05-01T10:00:00.000Z',
      eventName: 'GetSecretValue',
      eventType: 'AwsApiCall',
      actionClass: 'read',
      readsValue: true,
      region: 'eu-westwest-1r',
      accountId: ACCOUNT,
      versionStage: 'AWSPREVIOUS',
      sourceIp: '10.1.2.3',
      userAgent: 'aws-sdk-js/3.600.0',
      secrets: [{ id: secretArn('multitenant-ai-poc/tenant-2/database-password'), name: 'multitenant-ai-poc/tenant-2/database-password', arn: secretArn('multitenant-ai-poc/tenant-2/database-password'), tenant: 'tenant-2' }],
      principal: {
        type: 'AssumedRole',
        arn: APP_ROLE.arn,
        key: `arn:aws:iam::${ACCOUNT}:role/multitenant-ai-poc-tenant-1-role`,
        name: 'multitenant-ai-poc-tenant-1-role',
        sessionName: 'i-0abc',
        sessionIssuerArn: `arn:aws:iam::${ACCOUNT}:role/multitenant-ai-poc-tenant-1-role`,
        accessKeyId: 'ASIAEXAMPLEAPP',
        mfaAuthenticated: false,
        via: 'programmatic',
        tenant: 'tenant-1',
      },
    });
  });

  it.each(['arn', 'aRN', 'ARN'])('takes the secret ARN from responseElements.%s', (field) => {
    const r = record(normaliseCloudTrail(cloudTrail('CancelRotateSecret', { requestParameters: { secretId: 'app/tenant-1/db' }, responseElements: { [field]: secretArn('app/tenant-1/db'), name: 'app/tenant-1/db' } })));
    expect(r.secrets).toEqual([{ id: 'app/tenant-1/db', name: 'app/tenant-1/db', arn: secretArn('app/tenant-1/db'), tenant: 'tenant-1' }]);
    expect(r.actionClass).toBe('rotation');
  });

  it('names every secret of a BatchGetSecretValue id list, each with its tenant', () => {
    const r = record(normaliseCloudTrail(cloudTrail('BatchGetSecretValue', { requestParameters: { secretIdList: ['app/tenant-1/db', secretArn('app/tenant-2/db'), 'plain'] } })));
    expect(r.secrets.map((s) => [s.name, s.tenant])).toEqual([
      ['app/tenant-1/db', 'tenant-1'],
      ['app/tenant-2/db', 'tenant-2'],
      ['plain', undefined],
    ]);
    expect(r.readsValue).toBe(true);
  });

  it('keeps BatchGetSecretValue filters and names no secret', () => {
    const r = record(normaliseCloudTrail(cloudTrail('BatchGetSecretValue', { requestParameters: { filters: [{ key: 'tag-key', values: ['StratusRedTeam'] }] } })));
    expect(r.filters).toEqual([{ key: 'tag-key', values: ['StratusRedTeam'] }]);
    expect(r.secrets).toEqual([]);
  });

  it('reads service events: additionalEventData.SecretId and no user identity type', () => {
    const r = record(
      normaliseCloudTrail(
        envelope(
          cloudTrail('RotationFailed', {
            eventType: 'AwsServiceEvent',
            userIdentity: { accountId: ACCOUNT, invokedBy: 'secretsmanager.amazonaws.com' },
            sourceIPAddress: 'secretsmanager.amazonaws.com',
            additionalEventData: { SecretId: secretArn('app/tenant-1/db') },
          }),
        ),
      ),
    );
    expect(r).toMatchObject({ eventType: 'AwsServiceEvent', actionClass: 'rotation', secrets: [{ name: 'app/tenant-1/db' }] });
    expect(r.principal).toMatchObject({ type: 'AWSService', via: 'service', key: 'service:secretsmanager.amazonaws.com', invokedBy: 'secretsmanager.amazonaws.com' });
  });

  it('merges the name CreateSecret was asked for with the ARN it answered', () => {
    const r = record(normaliseCloudTrail(cloudTrail('CreateSecret', { requestParameters: { name: 'app/tenant-1/new', tags: [{ key: 'keywarden:decoy', value: 'true' }] }, responseElements: { aRN: secretArn('app/tenant-1/new'), name: 'app/tenant-1/new', versionId: 'v-1' } })));
    expect(r.secrets).toEqual([{ id: 'app/tenant-1/new', name: 'app/tenant-1/new', arn: secretArn('app/tenant-1/new'), tenant: 'tenant-1' }]);
    expect(r.details).toMatchObject({ tags: [{ key: 'keywarden:decoy', value: 'true' }], responseVersionId: 'v-1' });
    expect(r.actionClass).toBe('write');
  });

  it('copies the request fields detectors use, and no others', () => {
    const r = record(
      normaliseCloudTrail(
        cloudTrail('DeleteSecret', {
          requestParameters: { secretId: 'app/tenant-1/db', forceDeleteWithoutRecovery: true, recoveryWindowInDays: '7', secretString: 'kw-never-copied', description: 'free text' },
        }),
      ),
    );
    // That a value was written is kept (value-written judges it); the value never is.
    expect(r.details).toEqual({ forceDeleteWithoutRecovery: true, recoveryWindowInDays: 7, valueWritten: true });
    expect(JSON.stringify(r)).not.toContain('kw-never-copied');
    expect(JSON.stringify(r)).not.toContain('free text');
  });

  it('attack: a filter or stage list with holes (a sparse array handed in as an object) is refused with a reason, never judged', () => {
    const filters: unknown[] = [{ key: 'name', values: ['app/'] }];
    filters.length = 3;
    expect(normaliseCloudTrail(cloudTrail('BatchGetSecretValue', { requestParameters: { filters } }))).toEqual({ kind: 'unreadable', reason: 'requestParameters.filters[] is null' });
    const stages: unknown[] = ['AWSPENDING'];
    stages.length = 2;
    expect(normaliseCloudTrail(cloudTrail('PutSecretValue', { requestParameters: { secretId: 'x', versionStages: stages } }))).toEqual({ kind: 'unreadable', reason: 'requestParameters.versionStages[] is missing' });
  });

  it('keeps that UpdateSecret wrote a value (string or binary) and the KMS key it named, bounded, and nothing for a description edit', () => {
    const binary = record(normaliseCloudTrail(cloudTrail('UpdateSecret', { requestParameters: { secretId: 'app/tenant-1/db', secretBinary: 'a3ctbmV2ZXI=' } })));
    expect(binary.details).toEqual({ valueWritten: true });
    expect(JSON.stringify(binary)).not.toContain('a3ctbmV2ZXI=');
    const description = record(normaliseCloudTrail(cloudTrail('UpdateSecret', { requestParameters: { secretId: 'app/tenant-1/db', description: 'new words' } })));
    expect(description.details).toEqual({});
    const longKey = `arn:aws:kms:eu-west-1:444455556666:key/${'k'.repeat(3000)}`;
    const kms = record(normaliseCloudTrail(cloudTrail('UpdateSecret', { requestParameters: { secretId: 'app/tenant-1/db', kmsKeyId: longKey } })));
    expect(Buffer.byteLength(kms.details.kmsKeyId as string)).toBeLessThanOrEqual(1024);
    expect(kms.details.kmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:444455556666:key\/k+…#[0-9a-f]{24}$/);
    expect(normaliseCloudTrail(cloudTrail('UpdateSecret', { requestParameters: { secretId: 'x', kmsKeyId: 42 } }))).toEqual({ kind: 'unreadable', reason: 'requestParameters.kmsKeyId is not a string' });
  });

  it('reads a version id, error code and message, VPC endpoint', () => {
    const r = record(
      normaliseCloudTrail(
        getSecretValue('app/tenant-1/db', USER, '2024-05-01T10:00:00Z', {
          requestParameters: { secretId: 'app/tenant-1/db', versionId: 'v-1' },
          errorCode: 'AccessDenied',
          errorMessage: 'User: arn:aws:iam::111122223333:user/alice is not authorized',
          vpcEndpointId: 'vpce-0abc',
        }),
      ),
    );
    expect(r).toMatchObject({ versionId: 'v-1', errorCode: 'AccessDenied', vpcEndpointId: 'vpce-0abc' });
    expect(r.errorMessage).toMatch(/not authorized/);
    expect(r.principal).toMatchObject({ type: 'IAMUser', key: USER.arn, name: 'alice', accessKeyId: 'AKIAEXAMPLEALICE', via: 'programmatic' });
    expect(r.principal.tenant).toBeUndefined();
  });

  it('tells console sessions, MFA and root apart', () => {
    const console = record(normaliseCloudTrail(getSecretValue('a/b/c', { ...APP_ROLE, sessionContext: { ...APP_ROLE.sessionContext, attributes: { mfaAuthenticated: 'true' } } }, undefined, { sessionCredentialFromConsole: 'true' })));
    expect(console.principal).toMatchObject({ via: 'console', mfaAuthenticated: true });
    const root = record(normaliseCloudTrail(getSecretValue('a/b/c', { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT })));
    expect(root.principal).toMatchObject({ type: 'Root', key: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it('derives the role from a session ARN when the session issuer is missing', () => {
    const r = record(normaliseCloudTrail(getSecretValue('a/b/c', { type: 'AssumedRole', arn: 'arn:aws-cn:sts::123456789012:assumed-role/path-less-role/session-1' })));
    expect(r.principal).toMatchObject({ key: 'arn:aws-cn:iam::123456789012:role/path-less-role', name: 'path-less-role', sessionName: 'session-1' });
  });

  it('skips other services\' records and other detail types', () => {
    expect(normaliseCloudTrail(cloudTrail('GetParameter', { eventSource: 'ec2.amazonaws.com' }))).toEqual({ kind: 'skipped', reason: 'eventSource ec2.amazonaws.com' });
    // Parameter Store's own events are read (ssm-parameters.test.ts); the rest of Systems Manager is not.
    expect(normaliseCloudTrail(cloudTrail('SendCommand', { eventSource: 'ssm.amazonaws.com' }))).toEqual({ kind: 'skipped', reason: 'SSM event SendCommand is not a parameter event' });
    expect(normaliseCloudTrail({ ...envelope(cloudTrail('GetSecretValue')), source: 'aws.ssm' }).kind).toBe('skipped');
    expect(normaliseCloudTrail({ ...envelope(cloudTrail('GetSecretValue')), 'detail-type': 'AWS Console Sign In via CloudTrail' }).kind).toBe('skipped');
  });

  it.each([
    ['not JSON', '{"eventID": ', 'not JSON'],
    ['null', 'null', 'the record is empty (null)'],
    ['an array', [], '(record) is not an object'],
    ['no eventID', cloudTrail('GetSecretValue', { eventID: undefined }), 'eventID is missing'],
    ['a numeric eventName', cloudTrail('GetSecretValue', { eventName: 42 }), 'eventName is not a string'],
    ['an impossible eventName', cloudTrail('Get Secret; DROP'), 'eventName is not an API or event name'],
    ['a bad eventTime', cloudTrail('GetSecretValue', { eventTime: 'yesterday' }), 'eventTime is not a date'],
    ['an eventTime in year 20000', cloudTrail('GetSecretValue', { eventTime: '+020000-01-01T00:00:00Z' }), 'eventTime is outside the years 2000-2999'],
    ['no userIdentity on an API call', cloudTrail('GetSecretValue', { userIdentity: null }), 'userIdentity is missing'],
    ['a string secretIdList', cloudTrail('BatchGetSecretValue', { requestParameters: { secretIdList: 'a,b' } }), 'requestParameters.secretIdList is not a list'],
    ['21 secret ids', cloudTrail('BatchGetSecretValue', { requestParameters: { secretIdList: Array.from({ length: 21 }, (_, i) => `s${i}`) } }), 'requestParameters.secretIdList names more than 20 secrets'],
    ['a numeric secretId', cloudTrail('GetSecretValue', { requestParameters: { secretId: 7 } }), 'requestParameters.secretId is not a string'],
    ['an envelope with no detail', { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.secretsmanager', detail: null }, 'detail is missing'],
    ['filters that are not a list', cloudTrail('ListSecrets', { requestParameters: { filters: { key: 'name' } } }), 'requestParameters.filters is not a list'],
  ])('refuses %s with a reason', (_what, input, reason) => {
    expect(normaliseCloudTrail(input)).toEqual({ kind: 'unreadable', reason });
  });

  it('reads every Secrets Manager and Parameter Store parameter record of the Stratus Red Team detonations and skips every other one', () => {
    const counts = { record: 0, skipped: 0, unreadable: 0 };
    for (const file of readdirSync(STRATUS).filter((f) => f.endsWith('.json'))) {
      for (const raw of JSON.parse(readFileSync(join(STRATUS, file), 'utf8')) as Array<Record<string, unknown>>) {
        const result = normaliseCloudTrail(raw);
        counts[result.kind] += 1;
        const audited = raw.eventSource === 'secretsmanager.amazonaws.com' || (raw.eventSource === 'ssm.amazonaws.com' && /Parameter/.test(String(raw.eventName)));
        expect(result.kind, `${file} ${String(raw.eventID)}`).toBe(audited ? 'record' : 'skipped');
      }
    }
    expect(counts).toEqual({ record: 36, skipped: 274, unreadable: 0 });
  });
});
