import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * Logs a failed invocation once, with the error's name, message and cause chain (redacted by
 * the logger), then lets the error propagate so the caller (Secrets Manager, SQS) sees a failure.
 */
export function logFailures(logger: Logger, message = 'invocation failed'): middy.MiddlewareObj {
  return {
    onError: async (request) => {
      logger.error(message, { error: request.error ?? undefined });
    },
  };
}
