import { describe, expect, it } from 'vitest';
import { memoryPipeline } from '../../support/memory-audit-pipeline';
import { APP_ROLE, USER, cloudTrail } from '../../support/cloudtrail-records';

/** Parameter Store records through the whole audit pipeline in memory: which detectors fire. */
const ssm = (eventName: string, requestParameters: Record<string, unknown>, identity: object = APP_ROLE, time = '2024-05-01T10:00:00Z') =>
  cloudTrail(eventName, { eventSource: 'ssm.amazonaws.com', userIdentity: identity, eventTime: time, requestParameters });

describe('detectors on Parameter Store records', () => {
  it('first-read fires for a decrypted read of a parameter new to the principal, not for an encrypted one', async () => {
    const pipeline = memoryPipeline({ KEYWARDEN_LEARNING_DAYS: '0' });
    await pipeline.run([ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-1/a', withDecryption: false })]);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual([]);
    await pipeline.run([ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-1/a', withDecryption: true }, APP_ROLE, '2024-05-01T10:05:00Z')]);
    expect(pipeline.published.map((f) => [f.ruleId, f.secret?.name])).toEqual([['audit.first-read', '/multitenant-ai-poc/tenant-1/a']]);
  });

  it('a decoy named by configuration fires on any touch, an encrypted read included', async () => {
    const pipeline = memoryPipeline({ KEYWARDEN_DECOY_SECRETS: '/multitenant-ai-poc/shared/root-db-password' });
    await pipeline.run([ssm('GetParameter', { name: '/multitenant-ai-poc/shared/root-db-password', withDecryption: false }, USER)]);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.decoy-touched']);
  });

  it('tagging a parameter as decoy through AddTagsToResource arms it; removing the tag is itself a touch, then disarms it', async () => {
    const pipeline = memoryPipeline();
    const name = '/multitenant-ai-poc/shared/honey';
    await pipeline.run([ssm('AddTagsToResource', { resourceType: 'Parameter', resourceId: name, tags: [{ key: 'keywarden:decoy', value: 'true' }] }, USER)]);
    await pipeline.run([ssm('GetParameters', { names: [name], withDecryption: true }, APP_ROLE, '2024-05-01T10:01:00Z')]);
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.decoy-touched']);
    await pipeline.run([ssm('RemoveTagsFromResource', { resourceType: 'Parameter', resourceId: name, tagKeys: ['keywarden:decoy'] }, USER, '2024-05-01T10:02:00Z')]);
    expect(pipeline.published.map((f) => f.evidence.eventName)).toEqual(['GetParameters', 'RemoveTagsFromResource']);
    await pipeline.run([ssm('GetParameter', { name, withDecryption: true }, APP_ROLE, '2024-05-01T10:03:00Z')]);
    expect(pipeline.published).toHaveLength(2);
  });
});
