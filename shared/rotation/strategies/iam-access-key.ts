import { IamCallError, RotationContractError, RotationRefusedError, SecretTestFailedError } from '../../errors';
import { bindingViolation } from '../binding';
import { IAM_ACCESS_KEY_ENGINE, requireIamAccessKeyBinding, type IamAccessKeyBinding } from '../binding-iam-access-key';
import type { AccessKeyInfo, IamKeyAdmin, IamKeyServices } from '../iam-key-services';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { setting } from '../../settings/fields';
import { readSettings } from '../../settings/read';
import { asTestFailure, optionalStringField, readSecretDocument, secretFormatError, withOwnedFields, type SecretObject, type ValueLabel } from '../values/json-secret';

/** The finding rule of a previous key that cannot be deleted yet because it was used recently. */
export const IAM_KEY_IN_USE_RULE = 'rotation.iam-key-in-use';

/** Seconds testSecret keeps retrying a new key that STS does not know yet (IAM is eventually consistent). */
export const IAM_KEY_PROPAGATION_ENV = 'KEYWARDEN_IAM_KEY_PROPAGATION_SECONDS';
const DEFAULT_PROPAGATION_SECONDS = 15;

const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** Fields a value may carry that name an identity; each must agree with the binding when present. */
const USER_FIELDS = ['iamUser', 'userName', 'UserName'] as const;
const ROLE_FIELDS = ['assumeRoleArn', 'roleArn'] as const;

/** An IAM user's access key as the secret holds it. */
interface AccessKeyValue {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The `iam-access-key` strategy for a secret holding an IAM user's key (`awsAccessKeyId`,
 * `awsSecretAccessKey`, optional `awsRegion`, any other fields kept). The user, and the role to
 * assume for another account, come from the binding. A user has at most two keys: the current
 * one and the previous one, which stays active until the next rotation deactivates it and
 * deletes it once GetAccessKeyLastUsed shows it unused for the binding's number of days.
 *
 * The rotate function reaches this file (and the IAM and STS clients) only through
 * shared/aws/rotation-strategies.ts, at the first step of such a secret, never at a cold start.
 */
export function createIamAccessKeyStrategy(services: () => Promise<IamKeyServices>): RotationStrategy {
  return {
    name: IAM_ACCESS_KEY_ENGINE,

    async create(ctx) {
      const binding = requireIamAccessKeyBinding(ctx);
      const document = readSecretDocument(await ctx.current(), ctx.name, 'current');
      const current = readAccessKeyValue(document.fields, ctx, binding, 'current');
      // A retried createSecret must not make a third key: the value it stored is the answer.
      const stored = await storedPending(ctx);
      if (stored !== undefined) return stored;
      const admin = await (await services()).admin(binding);
      const keys = await admin.listKeys(binding.iamUser);
      if (!keys.some((key) => key.accessKeyId === current.accessKeyId)) {
        throw bindingViolation(ctx.name, 'awsAccessKeyId', `the current value's key ${current.accessKeyId} is not a key of the bound IAM user ${binding.iamUser}`);
      }
      for (const other of keys.filter((key) => key.accessKeyId !== current.accessKeyId)) await retire(ctx, admin, binding, other);
      const created = await admin.createKey(binding.iamUser);
      return withOwnedFields(document, { awsAccessKeyId: created.accessKeyId, awsSecretAccessKey: created.secretAccessKey });
    },

    async set() {
      // CreateAccessKey made the key active already; testSecret proves it with STS.
    },

    async test(ctx) {
      const binding = requireIamAccessKeyBinding(ctx);
      const pending = await asTestFailure(async () => readAccessKeyValue(readSecretDocument(await ctx.pending(), ctx.name, 'pending').fields, ctx, binding, 'pending'));
      const identity = await identityOf(await services(), pending, ctx);
      const user = identity.arn.match(/^arn:aws[a-z-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/);
      if (!user || user[2] !== binding.iamUser) {
        throw bindingViolation(ctx.name, 'awsAccessKeyId', `the pending key is not a key of the bound IAM user ${binding.iamUser} (STS says ${identity.arn.slice(0, 200) || 'nothing'})`);
      }
      const roleAccount = binding.assumeRoleArn?.split(':')[4];
      if (roleAccount !== undefined && user[1] !== roleAccount) {
        throw bindingViolation(ctx.name, 'awsAccessKeyId', `the pending key belongs to account ${user[1]}, not the bound role's account ${roleAccount}`);
      }
    },

    async revoke(ctx): Promise<RevokeOutcome> {
      const binding = requireIamAccessKeyBinding(ctx);
      const previousValue = await ctx.previous();
      if (previousValue === undefined) return { revoked: false, detail: `secret ${ctx.name} has no previous version, so there is no previous key` };
      const previous = readAccessKeyValue(readSecretDocument(previousValue, ctx.name, 'previous').fields, ctx, binding, 'previous');
      const current = readAccessKeyValue(readSecretDocument(await ctx.current(), ctx.name, 'current').fields, ctx, binding, 'current');
      if (previous.accessKeyId === current.accessKeyId) {
        return { revoked: false, detail: `secret ${ctx.name}: key ${previous.accessKeyId} is still AWSCURRENT; rotate before revoking` };
      }
      const admin = await (await services()).admin(binding);
      const key = (await admin.listKeys(binding.iamUser)).find((candidate) => candidate.accessKeyId === previous.accessKeyId);
      if (!key) return revokeMissing(ctx, admin, binding, previous.accessKeyId);
      if (key.status === 'Active') await admin.setStatus(binding.iamUser, key.accessKeyId, 'Inactive');
      return {
        revoked: true,
        detail: `secret ${ctx.name}: deactivated access key ${key.accessKeyId} of IAM user ${binding.iamUser}; the next rotation deletes it once unused for ${binding.deleteUnusedAfterDays} day(s)`,
      };
    },
  };
}

/**
 * The key value fields, checked: the key id's shape, the secret key a string, and any field that
 * names a user or role agreeing with the binding (the value never chooses whose keys rotate).
 */
function readAccessKeyValue(fields: SecretObject, ctx: RotationContext, binding: IamAccessKeyBinding, label: ValueLabel): AccessKeyValue {
  const where = { secretName: ctx.name, label };
  const accessKeyId = optionalStringField(fields, 'awsAccessKeyId', where);
  const secretAccessKey = optionalStringField(fields, 'awsSecretAccessKey', where);
  optionalStringField(fields, 'awsRegion', where);
  if (accessKeyId === undefined || secretAccessKey === undefined) throw secretFormatError(ctx.name, label, 'needs the fields "awsAccessKeyId" and "awsSecretAccessKey"');
  if (!ACCESS_KEY_ID.test(accessKeyId)) throw secretFormatError(ctx.name, label, 'has an "awsAccessKeyId" that is not an access key id (16-128 capital letters and digits)');
  if (secretAccessKey.length < 16 || secretAccessKey.length > 128) throw secretFormatError(ctx.name, label, 'has an "awsSecretAccessKey" that is not 16-128 characters long');
  for (const field of USER_FIELDS) {
    if (fields[field] !== undefined && fields[field] !== binding.iamUser) throw bindingViolation(ctx.name, field, `the ${label} value's "${field}" differs from the binding (bound IAM user ${binding.iamUser})`);
  }
  for (const field of ROLE_FIELDS) {
    if (fields[field] !== undefined && fields[field] !== binding.assumeRoleArn) {
      throw bindingViolation(ctx.name, field, `the ${label} value's "${field}" differs from the binding (${binding.assumeRoleArn ? `bound role ${binding.assumeRoleArn}` : 'no role is bound'})`);
    }
  }
  return { accessKeyId, secretAccessKey };
}

/** The pending value when a previous createSecret attempt stored one (proven keywarden's by the guard). */
async function storedPending(ctx: RotationContext): Promise<string | undefined> {
  try {
    return await ctx.pending();
  } catch (error) {
    if (error instanceof RotationContractError) return undefined;
    throw error;
  }
}

/**
 * Makes room for the new key: the user's other key (the previous one, or one a failed attempt
 * created) is deactivated, then deleted only when unused for the binding's days. A key used more
 * recently stays, inactive, and the rotation fails with a finding naming where it was used.
 */
async function retire(ctx: RotationContext, admin: IamKeyAdmin, binding: IamAccessKeyBinding, key: AccessKeyInfo): Promise<void> {
  if (key.status === 'Active') await admin.setStatus(binding.iamUser, key.accessKeyId, 'Inactive');
  const use = await admin.lastUse(key.accessKeyId);
  if (use === undefined) return;
  if (use.lastUsedAt !== undefined) {
    const unusedMs = ctx.clock.now().getTime() - use.lastUsedAt.getTime();
    if (unusedMs < binding.deleteUnusedAfterDays * 86_400_000) throw keyInUse(ctx, binding, key.accessKeyId, use);
  }
  await admin.deleteKey(binding.iamUser, key.accessKeyId);
}

function keyInUse(ctx: RotationContext, binding: IamAccessKeyBinding, accessKeyId: string, use: { lastUsedAt?: Date; serviceName?: string; region?: string }): RotationRefusedError {
  const where = [use.serviceName && `service ${use.serviceName}`, use.region && `region ${use.region}`].filter(Boolean).join(' in ') || 'an unknown service';
  return new RotationRefusedError(
    `secret ${ctx.name}: the previous access key ${accessKeyId} of IAM user ${binding.iamUser} was last used ${use.lastUsedAt?.toISOString()} (${where}), ` +
      `less than ${binding.deleteUnusedAfterDays} day(s) ago; it is now inactive but not deleted, so there is no room for a new key. ` +
      `Whoever still uses it must read the secret's AWSCURRENT key; the rotation succeeds once the key has been unused for ${binding.deleteUnusedAfterDays} day(s) (${IAM_KEY_IN_USE_RULE})`,
    { rule: IAM_KEY_IN_USE_RULE, field: 'awsAccessKeyId' },
  );
}

/** The previous key is not one of the bound user's: gone already, or another user's (refused). */
async function revokeMissing(ctx: RotationContext, admin: IamKeyAdmin, binding: IamAccessKeyBinding, accessKeyId: string): Promise<RevokeOutcome> {
  const use = await admin.lastUse(accessKeyId);
  if (use !== undefined && use.userName !== binding.iamUser) {
    throw bindingViolation(ctx.name, 'awsAccessKeyId', `the previous value's key ${accessKeyId} is not a key of the bound IAM user ${binding.iamUser}, so it is not revoked`);
  }
  return { revoked: true, detail: `secret ${ctx.name}: access key ${accessKeyId} of IAM user ${binding.iamUser} no longer exists` };
}

/** STS GetCallerIdentity with the pending key, retried while a new key propagates through IAM. */
async function identityOf(services: IamKeyServices, key: AccessKeyValue, ctx: RotationContext) {
  // Real time, not ctx.clock: this waits for IAM in the real world, and a test clock never moves.
  const deadline = Date.now() + propagationSeconds() * 1000;
  for (let delayMs = 1000; ; delayMs *= 2) {
    try {
      return await services.callerIdentity(key);
    } catch (error) {
      const refused = error instanceof IamCallError && (error.code === 'InvalidClientTokenId' || error.code === 'SignatureDoesNotMatch');
      if (!refused) throw error;
      if (Date.now() + delayMs > deadline) {
        throw new SecretTestFailedError(`secret ${ctx.name}: STS refuses the pending access key ${key.accessKeyId} (${error.code})`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function propagationSeconds(): number {
  // Clamped, never refused: this is read in testSecret, after createSecret made the key, and a
  // configuration error there would fail a rotation half-way over a timing setting.
  return readSettings({ seconds: setting(IAM_KEY_PROPAGATION_ENV, clampedSeconds, DEFAULT_PROPAGATION_SECONDS) }).seconds;
}

function clampedSeconds(text: string): number {
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 60) : DEFAULT_PROPAGATION_SECONDS;
}
