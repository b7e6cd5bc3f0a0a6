import { describe, expect, it } from 'vitest';
import { dynamoDb } from '../../shared/aws/clients';
import { CLAIM_LEASE_SECONDS, DynamoDbRefreshRecords } from '../../shared/aws/dynamodb-refresh-records';
import type { RefreshKey } from '../../shared/refresh/refresh-records';
import { templateResource } from '../support/local-aws';

/**
 * The refresh records in the template's rotation ledger table on the local AWS: one claim at a
 * time per target and version, a done target stays done, a claim whose holder died lapses after
 * its lease, and only the holder finishes or releases it.
 */

const KEY: RefreshKey = { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/tenant-1/db-AbCdEf', versionId: 'v-1', action: 'ecs-new-deployment', target: 'apps/tenant-1-api' };
const at = (seconds: number) => new DynamoDbRefreshRecords(dynamoDb(), templateResource('RotationLedgerTable'), () => 1_800_000_000 + seconds);

describe('the refresh records (shared/aws/dynamodb-refresh-records.ts)', () => {
  it('attack: two deliveries of one event at once: one claims the target, the other is told it is busy; once finished it is done for every later delivery', async () => {
    const [first, second] = await Promise.all([at(0).claim(KEY), at(0).claim(KEY)]);
    const outcomes = [first!.outcome, second!.outcome].sort();
    expect(outcomes).toEqual(['busy', 'claimed']);
    const claim = [first!, second!].find((c) => c.outcome === 'claimed') as { outcome: 'claimed'; token: string };
    await at(1).finish(KEY, claim.token);
    expect(await at(CLAIM_LEASE_SECONDS * 10).claim(KEY)).toEqual({ outcome: 'done' });
    // Another version of the same secret is another record.
    expect((await at(2).claim({ ...KEY, versionId: 'v-2' })).outcome).toBe('claimed');
  });

  it('a claim whose holder died lapses after the lease; the late holder can neither finish nor release the new claim', async () => {
    const dead = (await at(0).claim(KEY)) as { outcome: 'claimed'; token: string };
    expect((await at(CLAIM_LEASE_SECONDS - 1).claim(KEY)).outcome).toBe('busy');
    const taken = (await at(CLAIM_LEASE_SECONDS + 1).claim(KEY)) as { outcome: 'claimed'; token: string };
    expect(taken.outcome).toBe('claimed');
    await expect(at(CLAIM_LEASE_SECONDS + 2).finish(KEY, dead.token)).rejects.toThrow(/conditional/i);
    await at(CLAIM_LEASE_SECONDS + 2).release(KEY, dead.token);
    expect((await at(CLAIM_LEASE_SECONDS + 3).claim(KEY)).outcome).toBe('busy');
    await at(CLAIM_LEASE_SECONDS + 3).release(KEY, taken.token);
    expect((await at(CLAIM_LEASE_SECONDS + 4).claim(KEY)).outcome).toBe('claimed');
  });

  it('a refusal is reported once per version, and a target refused before may be claimed once the allow-list takes it', async () => {
    expect(await at(0).refusalReported(KEY)).toBe(false);
    await at(0).recordRefusal(KEY);
    await at(1).recordRefusal(KEY);
    expect(await at(2).refusalReported(KEY)).toBe(true);
    expect((await at(3).claim(KEY)).outcome).toBe('claimed');
  });

  it('remembers a failed target across versions until it is cleared', async () => {
    await at(0).markFailed(KEY.secretArn, KEY.action, KEY.target);
    expect(await at(1).failed(KEY.secretArn, KEY.action, KEY.target)).toBe(true);
    expect(await at(1).failed(KEY.secretArn, KEY.action, 'apps/tenant-1-other')).toBe(false);
    await at(2).clearFailed(KEY.secretArn, KEY.action, KEY.target);
    expect(await at(3).failed(KEY.secretArn, KEY.action, KEY.target)).toBe(false);
  });
});
