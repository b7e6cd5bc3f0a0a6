/**
 * Every error keywarden raises on purpose. Each subclass sets `name` and carries the original
 * error as `cause`, so a log shows both what keywarden decided and what the dependency said.
 * Messages name the problem and never include a secret value.
 */

/** Base class: lets callers tell keywarden's own refusals from unexpected failures. */
export class KeywardenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeywardenError';
  }
}

/** An environment variable or configuration value is missing or malformed. */
export class ConfigError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** A request (event, CLI argument, manual invoke) is malformed; nothing was changed. */
export class InvalidRequestError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidRequestError';
  }
}

/** A rotation step was refused by the contract's checks; nothing was changed. */
export class RotationContractError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RotationContractError';
  }
}

/** The secret names a strategy that keywarden does not know, or names none. */
export class UnknownStrategyError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnknownStrategyError';
  }
}

/** A secret's value is not in the shape its strategy needs. Never quotes the value. */
export class SecretFormatError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretFormatError';
  }
}

/** A strategy's testSecret found that the pending value does not work. */
export class SecretTestFailedError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretTestFailedError';
  }
}

/** The secrets store (Secrets Manager) refused or failed a call. */
export class SecretsStoreError extends KeywardenError {
  /** The store's own error name, e.g. `ResourceNotFoundException`. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretsStoreError';
    this.code = code;
  }
}

/**
 * An alert channel (Slack, PagerDuty, SNS) did not take an alert. `retryable` says whether
 * trying again can help (a 429, a 5xx, a timeout) or not (a 400: the payload itself is refused).
 * The message names the channel and the answer, never a webhook URL or routing key.
 */
export class ChannelDeliveryError extends KeywardenError {
  readonly channel: string;
  readonly retryable: boolean;
  constructor(message: string, details: { channel: string; retryable: boolean; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'ChannelDeliveryError';
    this.channel = details.channel;
    this.retryable = details.retryable;
  }
}

/** What kind of failure a database or cache reported, so on-call knows where to look first. */
export type DatabaseFailureKind = 'authentication' | 'network' | 'tls' | 'permission' | 'timeout' | 'other';

/**
 * A database or cache (PostgreSQL, MySQL/MariaDB, Redis) refused or failed an operation. The
 * message keeps the server's own words (with any secret value scrubbed) after what keywarden was
 * doing; `kind` classifies it.
 */
export class DatabaseError extends KeywardenError {
  readonly kind: DatabaseFailureKind;
  /** The engine's own error code (SQLSTATE, errno, Redis error prefix, Node's `E…` code), if any. */
  readonly code?: string;
  constructor(message: string, details: { kind: DatabaseFailureKind; code?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
    this.kind = details.kind;
    this.code = details.code;
  }
}

/** A rotation did not finish: a step failed, or the service did not finish it in time. */
export class RotationFailedError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RotationFailedError';
  }
}

/**
 * keywarden refused to act on a secret because what it read is not what an administrator bound
 * or what keywarden itself wrote: a value naming another host, user or master, a privileged
 * target, a pending value keywarden did not create, a revocation the emergency path did not ask
 * for. Nothing was changed. `rule` is the finding's rule id (`rotation.<name>`) that the rotate
 * function raises for it; `field` names the field that disagreed, when one did.
 */
export class RotationRefusedError extends KeywardenError {
  readonly rule: string;
  readonly field?: string;
  constructor(message: string, details: { rule: string; field?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RotationRefusedError';
    this.rule = details.rule;
    this.field = details.field;
  }
}

/**
 * An IAM or STS call failed (the `iam-access-key` strategy). `code` is the service's error name
 * (`NoSuchEntity`, `LimitExceeded`, `AccessDenied`, `InvalidClientTokenId`); the message names
 * the user and key id, never a secret access key.
 */
export class IamCallError extends KeywardenError {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IamCallError';
    this.code = code;
  }
}

/** How a custom rotator (a Lambda function a binding names) failed; see docs/custom-rotator.md. */
export type CustomRotatorFailureKind = 'function-error' | 'timeout' | 'malformed-response' | 'refused' | 'unreachable';

/**
 * A custom rotator failed an action. The message names the secret, the function, the action and
 * the kind, and never a value: a function's own words are bounded and redacted first.
 */
export class CustomRotatorError extends KeywardenError {
  readonly kind: CustomRotatorFailureKind;
  constructor(message: string, kind: CustomRotatorFailureKind, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustomRotatorError';
    this.kind = kind;
  }
}

/** A Kubernetes API call refused or failed: the HTTP status and the Status object's reason (bounded; never the token). */
export class KubernetesApiError extends KeywardenError {
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubernetesApiError';
  }
}

/**
 * A rotation held before anything changed: it would invalidate a credential that consumers of
 * the secret still hold, and the secret's policy (keywarden:consumers-unrefreshed) is `hold`.
 * createSecret fails with it, so Secrets Manager tries again later; a finding names who would
 * break. The message names counts and the secret, never a consumer (their names are CloudTrail
 * text, which belongs in the finding's escaped evidence, not in a log line).
 */
export class ConsumersHeldError extends KeywardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsumersHeldError';
  }
}
