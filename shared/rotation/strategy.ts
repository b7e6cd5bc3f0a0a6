import type { Clock } from '../clock';
import type { LogSink } from '../log';
import type { SecretsStore } from '../secrets-store';
import type { RotationBinding } from './binding';

/**
 * What a strategy sees of one rotation. Values are loaded lazily and cached, so a step that
 * needs no value costs no GetSecretValue call.
 */
export interface RotationContext {
  /** The SecretId from the event: a name or an ARN. */
  readonly secretId: string;
  readonly arn: string;
  readonly name: string;
  /** The ClientRequestToken: the id of the version being created. */
  readonly token: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly clock: Clock;
  /** Where the strategy's warnings go (the rotate function's logger). */
  readonly log: LogSink;
  /** The store, for strategies that read another secret (a master secret named by `masterarn`). */
  readonly store: SecretsStore;
  /** The administrator's binding of a database, Redis or IAM access key secret; absent for generated secrets. */
  readonly binding?: RotationBinding;
  /** The version that held AWSCURRENT when this step described the secret, if any. */
  readonly currentVersionId?: string;
  /** The AWSCURRENT value; throws a SecretsStoreError when there is none. */
  current(): Promise<string>;
  /** The AWSCURRENT value with the id of the version it was read from; the same read as current(). */
  currentVersion(): Promise<{ versionId: string; value: string }>;
  /** The value of version `token`; throws a RotationContractError when createSecret has not stored one. */
  pending(): Promise<string>;
  /** The AWSPREVIOUS value, or undefined when the secret has never rotated. */
  previous(): Promise<string | undefined>;
}

/**
 * What revoking the previous credential did. `replacementValue`, when set, is a new AWSCURRENT
 * value the caller must store (a keyset without the leaked key); otherwise the revocation
 * happened at the target (a database) or there was nothing outside the secret to revoke.
 */
export interface RevokeOutcome {
  revoked: boolean;
  detail: string;
  replacementValue?: string;
}

/**
 * One way of rotating one kind of secret, behind Secrets Manager's four steps. Every method must
 * be safe to run twice and must never put a secret value in an error message.
 */
export interface RotationStrategy {
  readonly name: string;
  /**
   * True when a rotation makes the credential before the current one stop working (alternating
   * users give the previous user a new password): the contract asks who still holds it first.
   */
  invalidatesPrevious?(ctx: RotationContext): boolean;
  /** The complete new secret string; fields the strategy does not own are copied from current. */
  create(ctx: RotationContext): Promise<string>;
  /** Makes the target (database, cache) accept the pending credential. */
  set(ctx: RotationContext): Promise<void>;
  /** Proves the pending value works; throws SecretTestFailedError when it does not. */
  test(ctx: RotationContext): Promise<void>;
  /**
   * RotateImmediately=false's configuration test (configuration-test.ts): proves a rotation could
   * start from the current value, changing nothing. Absent, `test` runs on a context whose pending
   * value is the current one: a read-only login with the credential in use.
   */
  testCurrent?(ctx: RotationContext): Promise<void>;
  /** Runs just before AWSCURRENT moves to the pending version; if it fails, nothing has moved. */
  finish?(ctx: RotationContext): Promise<void>;
  /** Makes the previous credential useless now (emergency rotation). */
  revoke(ctx: RotationContext): Promise<RevokeOutcome>;
}
