import type { RevokeOutcome, RotationContext } from '../../strategy';
import type { SecretObject } from '../../values/json-secret';

/** The request fields of one action, beside `contract`, `action`, `secretId` and `shape`. */
export type ShapeFields = { pending?: object; current?: object; previous?: object };

/**
 * What a custom rotator receives for one of the key shapes (api-key, jwt-keyset,
 * encryption-keyring), and how revoke splits between keywarden and the rotator. Each builder
 * takes values keywarden has already checked against the binding and returns only what the
 * action needs at the service; docs/custom-rotator.md documents every field.
 */
export interface CustomShape {
  readonly name: 'api-key' | 'jwt-keyset' | 'encryption-keyring';
  /** set: the new key as the service must hold it, and the current key's identity. */
  set(ctx: RotationContext, pending: SecretObject, current: SecretObject): ShapeFields;
  /** test: a proof the service can check without keywarden's secret material, where there is one. */
  test(ctx: RotationContext, pending: SecretObject): ShapeFields;
  /**
   * revoke: what keywarden does to the value (the generated strategy's revoke, a replacement
   * without the leaked keys) and what the rotator is asked to cut off; no request when there is
   * nothing at the service to revoke.
   */
  revoke(ctx: RotationContext): Promise<{ outcome: RevokeOutcome; request?: ShapeFields }>;
}
