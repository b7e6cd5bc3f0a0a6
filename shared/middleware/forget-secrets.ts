import type middy from '@middy/core';
import { forgetSecrets } from '../redact';

/**
 * Forgets every secret remembered for redaction before an invocation starts, so the remembered
 * set holds only what this invocation read: it cannot fill up across a warm container's life,
 * and one invocation's values do not outlive it. Values cached across invocations (the alert
 * channel configuration) are remembered again whenever the cache serves them.
 */
export function forgetSecretsEachInvocation(): middy.MiddlewareObj {
  return {
    before: async () => {
      forgetSecrets();
    },
  };
}
