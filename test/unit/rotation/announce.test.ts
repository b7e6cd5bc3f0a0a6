import { describe, expect, it } from 'vitest';
import { announce, type AnnouncedFields } from '../../../shared/rotation/announce';
import { rotationEventDetail } from '../../../shared/rotation/rotation-event';

const clock = { now: () => new Date('2026-12-03T10:00:00.000Z') };

describe('announcing a rotation', () => {
  it('publishes the outcome with the error\'s class name only, never its message', async () => {
    const sent: AnnouncedFields[] = [];
    const error = new Error('could not connect to db.internal as svc_billing with password hunter2-secret');
    error.name = 'DatabaseError';
    await announce({ outcome: 'failed', secretId: 'app/tenant-1/db', versionId: 'v1', step: 'setSecret', error }, { publish: async (f) => void sent.push(f), log: { warn: () => undefined }, clock });
    expect(sent).toEqual([{ outcome: 'failed', secretId: 'app/tenant-1/db', versionId: 'v1', step: 'setSecret', error: 'DatabaseError', at: '2026-12-03T10:00:00.000Z' }]);
    expect(JSON.stringify(sent)).not.toContain('hunter2');
  });

  it('never throws when publishing fails; it logs names and ids only', async () => {
    const logged: Array<Record<string, unknown>> = [];
    await expect(
      announce({ outcome: 'succeeded', secretId: 'app/tenant-1/db', versionId: 'v1' }, { publish: async () => Promise.reject(new Error('bus down')), log: { warn: (_m, extra) => void logged.push(extra) }, clock }),
    ).resolves.toBeUndefined();
    expect(logged).toEqual([{ outcome: 'succeeded', secret: 'app/tenant-1/db', versionId: 'v1', publishError: 'Error' }]);
  });

  it('attack: an error whose name is not a class name is reported as Error', async () => {
    const sent: AnnouncedFields[] = [];
    const error = new Error('x');
    error.name = 'Error: password=hunter2';
    await announce({ outcome: 'failed', secretId: 's', versionId: 'v', error }, { publish: async (f) => void sent.push(f), log: { warn: () => undefined }, clock });
    expect(sent[0]!.error).toBe('Error');
  });

  it('bounds every text field of the event', () => {
    const detail = rotationEventDetail({ outcome: 'succeeded', secret: { name: 'n'.repeat(5000), arn: 'a'.repeat(5000) }, versionId: 'v'.repeat(500), tenant: 't'.repeat(500), at: '2026-12-03T10:00:00.000Z' });
    expect(JSON.stringify(detail).length).toBeLessThan(2000);
  });
});
