import { describe, expect, it } from 'vitest';
import { IamCallError, RotationRefusedError } from '../../../../shared/errors';
import type { IamAccessKeyBinding } from '../../../../shared/rotation/binding-iam-access-key';
import type { AccessKeyInfo, AccessKeyLastUse, IamKeyServices } from '../../../../shared/rotation/iam-key-services';
import { createIamAccessKeyStrategy, IAM_KEY_IN_USE_RULE } from '../../../../shared/rotation/strategies/iam-access-key';
import { resolveBoundStrategy } from '../../../../shared/rotation/bound-strategy';
import { rotationStrategies } from '../../../../shared/aws/rotation-strategies';
import { MemoryBindings } from '../../../support/memory-bindings';
import { makeContext, rejectionOf, START, type TestContext } from '../../../support/strategy-context';

/**
 * The strategy's decisions over an in-memory IAM (the calls themselves are tested against moto
 * with authentication enforced: test/integration/rotation-iam-access-key.test.ts).
 */
class MemoryIam {
  keys = new Map<string, AccessKeyInfo & { user: string; lastUse?: Omit<AccessKeyLastUse, 'userName'> }>();
  private serial = 0;
  account = '123456789012';
  services: IamKeyServices = {
    admin: async () => ({
      listKeys: async (user) => [...this.keys.values()].filter((key) => key.user === user).map(({ accessKeyId, status }) => ({ accessKeyId, status })),
      createKey: async (user) => this.add(user),
      setStatus: async (_user, id, status) => void (this.keys.get(id)!.status = status),
      deleteKey: async (_user, id) => void this.keys.delete(id),
      lastUse: async (id) => {
        const key = this.keys.get(id);
        return key && { userName: key.user, ...key.lastUse };
      },
    }),
    callerIdentity: async ({ accessKeyId }) => {
      const key = this.keys.get(accessKeyId);
      if (!key || key.status !== 'Active') throw new IamCallError('refused', 'InvalidClientTokenId');
      return { arn: `arn:aws:iam::${this.account}:user/keywarden-rotated/${key.user}`, account: this.account };
    },
  };

  add(user: string) {
    this.serial += 1;
    const accessKeyId = `AKIATEST${String(this.serial).padStart(12, '0')}`;
    this.keys.set(accessKeyId, { accessKeyId, status: 'Active', user });
    return { accessKeyId, secretAccessKey: `secret-${this.serial}-${'x'.repeat(30)}` };
  }
}

function setup(binding: Partial<IamAccessKeyBinding> = {}) {
  const iam = new MemoryIam();
  const first = iam.add('uploader');
  const ctx: TestContext = makeContext({ current: JSON.stringify({ awsAccessKeyId: first.accessKeyId, awsSecretAccessKey: first.secretAccessKey }) });
  const bound = { secretArn: ctx.arn, engine: 'iam-access-key', iamUser: 'uploader', deleteUnusedAfterDays: 7, ...binding } as IamAccessKeyBinding;
  Object.assign(ctx, { binding: bound });
  return { iam, ctx, first, strategy: createIamAccessKeyStrategy(async () => iam.services) };
}

async function rotateOnce({ strategy, ctx }: ReturnType<typeof setup>) {
  ctx.versions.pending = await strategy.create(ctx);
  await strategy.test(ctx);
  ctx.versions.previous = ctx.versions.current;
  ctx.versions.current = ctx.versions.pending;
  ctx.versions.pending = undefined;
  return JSON.parse(ctx.versions.current!) as { awsAccessKeyId: string };
}

describe('iam-access-key strategy', () => {
  it('deletes the previous key only once it has been unused for the bound days; before that it stays inactive and the rotation is refused with a finding', async () => {
    const t = setup();
    await rotateOnce(t);
    t.iam.keys.get(t.first.accessKeyId)!.lastUse = { lastUsedAt: new Date(Date.parse(START) - 3 * 86_400_000), serviceName: 's3', region: 'eu-west-1' };
    const error = await rejectionOf(t.strategy.create(t.ctx));
    expect(error).toBeInstanceOf(RotationRefusedError);
    expect((error as RotationRefusedError).rule).toBe(IAM_KEY_IN_USE_RULE);
    expect(error.message).toMatch(`last used 2025-02-26T12:00:00.000Z (service s3 in region eu-west-1), less than 7 day(s) ago`);
    expect(t.iam.keys.get(t.first.accessKeyId)?.status).toBe('Inactive');

    t.ctx.clock.advance(5 * 86_400_000);
    const third = await rotateOnce(t);
    expect(t.iam.keys.has(t.first.accessKeyId)).toBe(false);
    expect([...t.iam.keys.keys()]).toContain(third.awsAccessKeyId);
    expect(t.iam.keys.size).toBe(2);
  });

  it('returns the stored pending value on a retried createSecret instead of making another key', async () => {
    const t = setup();
    const pending = await t.strategy.create(t.ctx);
    t.ctx.versions.pending = pending;
    expect(await t.strategy.create(t.ctx)).toBe(pending);
    expect(t.iam.keys.size).toBe(2);
  });

  it("refuses a pending key that STS places in another account than the bound role's", async () => {
    const t = setup({ assumeRoleArn: 'arn:aws:iam::210987654321:role/keywarden-rotator/r' });
    t.ctx.versions.pending = await t.strategy.create(t.ctx);
    expect((await rejectionOf(t.strategy.test(t.ctx))).message).toMatch("belongs to account 123456789012, not the bound role's account 210987654321");
  });

  it('revoke says so when the previous key no longer exists, and never calls IAM when there is no previous version', async () => {
    const t = setup();
    expect(await t.strategy.revoke(t.ctx)).toMatchObject({ revoked: false, detail: expect.stringContaining('no previous version') });
    await rotateOnce(t);
    t.iam.keys.delete(t.first.accessKeyId);
    expect(await t.strategy.revoke(t.ctx)).toMatchObject({ revoked: true, detail: expect.stringContaining(`${t.first.accessKeyId} of IAM user uploader no longer exists`) });
  });
});

describe('iam-access-key and the binding', () => {
  it('a bound IAM secret rotates with this strategy whatever the tag says only when the tag agrees; a database tag is refused', async () => {
    const store = new MemoryBindings();
    const ctx = makeContext({ tags: { 'keywarden:strategy': 'iam-access-key' }, current: '{}' });
    await store.put({ secretArn: ctx.arn, engine: 'iam-access-key', iamUser: 'uploader', deleteUnusedAfterDays: 7 });
    const bound = await resolveBoundStrategy(ctx, { strategies: rotationStrategies, bindings: store }, 'current');
    expect(bound.strategy?.name).toBe('iam-access-key');
    expect(bound.ctx.binding).toMatchObject({ iamUser: 'uploader' });
    const retagged = makeContext({ name: 'merchants/m-18/aws', tags: { 'keywarden:strategy': 'postgres' }, current: '{}' });
    await store.put({ secretArn: retagged.arn, engine: 'iam-access-key', iamUser: 'uploader', deleteUnusedAfterDays: 7 });
    expect((await rejectionOf(resolveBoundStrategy(retagged, { strategies: rotationStrategies, bindings: store }, 'current'))).message).toMatch(
      /names another strategy than the bound engine iam-access-key/,
    );
  });
});
