import { beforeEach, describe, expect, it } from 'vitest';
import { APP_ROLE, USER, cloudTrail } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, drainQueue, putCloudTrailEvents, runAuditQueue, subscribeToFindings } from '../support/local-audit-pipeline';
import { templateResource } from '../support/local-aws';

/**
 * Parameter Store's CloudTrail records through the audit rule (its `$or` pattern), the audit queue
 * and the built audit bundle: the findings that apply to parameters come out, Systems Manager's
 * other events never reach the queue.
 */

beforeEach(() => {
  applyAuditFunctionEnv();
});

let second = 0;
function ssm(eventName: string, requestParameters: Record<string, unknown>, identity: object = APP_ROLE): Record<string, unknown> {
  second += 1;
  return cloudTrail(eventName, { eventSource: 'ssm.amazonaws.com', userIdentity: identity, eventTime: `2024-05-01T10:00:${String(second % 60).padStart(2, '0')}Z`, requestParameters });
}

describe('Parameter Store events in the audit pipeline (built bundle, local AWS)', () => {
  it('tenant-1\'s role decrypting tenant-2\'s parameter is a critical cross-tenant read; its own parameter is not', async () => {
    const findings = await subscribeToFindings();
    await putCloudTrailEvents([
      ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-1/db-password', withDecryption: true }),
      ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-2/db-password', withDecryption: true }),
    ]);
    const { delivered, responses } = await runAuditQueue();
    expect(delivered).toBe(2);
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const raised = await findings();
    expect(raised.map((f) => [f.ruleId, f.severity, f.secret?.name, f.tenant])).toEqual([['audit.cross-tenant-read', 'critical', '/multitenant-ai-poc/tenant-2/db-password', 'tenant-2']]);
  });

  it('a by-path read of another tenant\'s parameters is cross-tenant; a read without decryption is a high (metadata) one, not critical', async () => {
    const findings = await subscribeToFindings();
    await putCloudTrailEvents([
      ssm('GetParametersByPath', { path: '/multitenant-ai-poc/tenant-3/', recursive: true, withDecryption: true }),
      ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-4/api-key', withDecryption: false }),
    ]);
    await runAuditQueue();
    const raised = await findings();
    expect(raised.map((f) => [f.ruleId, f.severity, f.secret?.name]).sort()).toEqual([
      ['audit.cross-tenant-read', 'critical', '/multitenant-ai-poc/tenant-3/'],
      ['audit.cross-tenant-read', 'high', '/multitenant-ai-poc/tenant-4/api-key'],
    ]);
  });

  it('twelve parameters decrypted one by one by a user is harvesting; twelve reads without decryption are not', async () => {
    const findings = await subscribeToFindings();
    const names = Array.from({ length: 12 }, (_, i) => `/multitenant-ai-poc/shared/p-${i}`);
    await putCloudTrailEvents(names.map((name) => ssm('GetParameter', { name, withDecryption: false }, USER)));
    await runAuditQueue();
    expect(await findings()).toEqual([]);
    await putCloudTrailEvents(names.map((name) => ssm('GetParameter', { name, withDecryption: true }, USER)));
    await runAuditQueue();
    const raised = await findings();
    expect(raised.map((f) => f.ruleId)).toEqual(['audit.secret-harvesting']);
    expect(raised[0]!.evidence.distinctSecrets).toBe(12);
  });

  it('a parameter created with the decoy tag, then read, raises decoy-touched', async () => {
    const findings = await subscribeToFindings();
    const name = '/multitenant-ai-poc/shared/legacy-root-password';
    await putCloudTrailEvents([ssm('PutParameter', { name, type: 'SecureString', overwrite: false, tags: [{ key: 'keywarden:decoy', value: 'true' }] }, USER)]);
    await runAuditQueue();
    expect(await findings()).toEqual([]);
    await putCloudTrailEvents([ssm('GetParameter', { name, withDecryption: true })]);
    await runAuditQueue();
    expect((await findings()).map((f) => [f.ruleId, f.secret?.name])).toEqual([['audit.decoy-touched', name]]);
  });

  it('attack: Run Command and session events, and parameter events under another source, never reach the audit queue', async () => {
    await putCloudTrailEvents([ssm('SendCommand', { documentName: 'AWS-RunShellScript', instanceIds: ['i-1'] }), ssm('StartSession', { target: 'i-1' })]);
    expect((await runAuditQueue()).delivered).toBe(0);
    expect(await drainQueue(templateResource('AuditDeadLetterQueue'))).toEqual([]);
  });
});
