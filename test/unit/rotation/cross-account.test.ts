import { describe, expect, it } from 'vitest';
import { RotationRefusedError } from '../../../shared/errors';
import { parseAccountRoles, rotationAccountOf } from '../../../shared/rotation/cross-account';
import { loadMaster } from '../../../shared/rotation/db/master';
import type { DbSecret } from '../../../shared/rotation/db/secret';
import { parseRotationEvent } from '../../../shared/rotation/request';
import type { RotationContext } from '../../../shared/rotation/strategy';
import type { SecretsStore } from '../../../shared/secrets-store';

const HOME = '123456789012';
const MEMBER = '111111111111';
const THIRD = '222222222222';
const arnIn = (account: string) => `arn:aws:secretsmanager:us-east-1:${account}:secret:app/tenant-1/db-AbC123`;
const roleIn = (account: string) => `arn:aws:iam::${account}:role/keywarden-prod-member-rotation`;
const roles = parseAccountRoles(JSON.stringify({ [MEMBER]: roleIn(MEMBER) }));

function refusedField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof RotationRefusedError) return error.field;
    throw error;
  }
  return undefined;
}

describe('the account of a rotation', () => {
  it('stays home with no roles configured, for a name, and for an ARN of its own account', () => {
    expect(rotationAccountOf({ secretId: arnIn(MEMBER), writesValue: true }, new Map(), HOME)).toEqual({ kind: 'home' });
    expect(rotationAccountOf({ secretId: 'app/tenant-1/db', writesValue: true }, roles, HOME)).toEqual({ kind: 'home' });
    expect(rotationAccountOf({ secretId: arnIn(HOME), writesValue: true }, roles, HOME)).toEqual({ kind: 'home' });
  });

  it("goes through the member's configured role with the event's RotationToken", () => {
    expect(rotationAccountOf({ secretId: arnIn(MEMBER), rotationToken: 'tok-123', writesValue: true }, roles, HOME)).toEqual({ kind: 'other', account: MEMBER, roleArn: roleIn(MEMBER), rotationToken: 'tok-123' });
  });

  it('attack: a role configured in a third account, an unlisted account, a missing or malformed token are refused', () => {
    const wrong = parseAccountRoles(JSON.stringify({ [MEMBER]: roleIn(THIRD) }));
    expect(refusedField(() => rotationAccountOf({ secretId: arnIn(MEMBER), rotationToken: 't', writesValue: true }, wrong, HOME))).toBe('role');
    expect(refusedField(() => rotationAccountOf({ secretId: arnIn(THIRD), rotationToken: 't', writesValue: true }, roles, HOME))).toBe('account');
    expect(refusedField(() => rotationAccountOf({ secretId: arnIn(MEMBER), writesValue: true }, roles, HOME))).toBe('RotationToken');
    expect(refusedField(() => rotationAccountOf({ secretId: arnIn(MEMBER), rotationToken: 'a\nb', writesValue: true }, roles, HOME))).toBe('RotationToken');
    expect(refusedField(() => rotationAccountOf({ secretId: arnIn(MEMBER), rotationToken: 'x'.repeat(257), writesValue: true }, roles, HOME))).toBe('RotationToken');
  });

  it('needs no token for a step that writes no value', () => {
    expect(rotationAccountOf({ secretId: arnIn(MEMBER), writesValue: false }, roles, HOME)).toEqual({ kind: 'other', account: MEMBER, roleArn: roleIn(MEMBER) });
  });

  it('refuses a configuration that is not account ids to role ARNs, and one without its own account', () => {
    expect(() => parseAccountRoles('{"1111":"arn:aws:iam::111111111111:role/x"}')).toThrow(/12-digit/);
    expect(() => parseAccountRoles(`{"${MEMBER}":"arn:aws:iam::${MEMBER}:user/x"}`)).toThrow(/no IAM role ARN/);
    expect(() => parseAccountRoles('[1]')).toThrow(/JSON object/);
    expect(() => rotationAccountOf({ secretId: arnIn(MEMBER), rotationToken: 't', writesValue: true }, roles, undefined)).toThrow(/KEYWARDEN_ACCOUNT_ID/);
  });

  it("reads the event's RotationToken, and refuses one that is not text", () => {
    expect(parseRotationEvent({ Step: 'createSecret', SecretId: 's', ClientRequestToken: 't', RotationToken: 'r' })).toMatchObject({ rotationToken: 'r' });
    expect(parseRotationEvent({ Step: 'createSecret', SecretId: 's', ClientRequestToken: 't' })).not.toHaveProperty('rotationToken');
    expect(() => parseRotationEvent({ Step: 'createSecret', SecretId: 's', ClientRequestToken: 't', RotationToken: 5 })).toThrow(/RotationToken/);
  });
});

describe('a master of another account', () => {
  it('attack: a binding whose master is in another account than the secret is refused before the master is read', async () => {
    const reads: string[] = [];
    const store = { getValue: async (id: string) => (reads.push(id), undefined) } as unknown as SecretsStore;
    const ctx = { arn: arnIn(MEMBER), name: 'app/tenant-1/db', store, tags: {} } as unknown as RotationContext;
    const secret = { masterarn: `arn:aws:secretsmanager:us-east-1:${THIRD}:secret:app/master-AbC123` } as DbSecret;
    await expect(loadMaster(ctx, secret, 'setSecret')).rejects.toMatchObject({ rule: 'rotation.binding-violation', field: 'masterarn' });
    expect(reads).toEqual([]);
  });
});
