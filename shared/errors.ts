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
