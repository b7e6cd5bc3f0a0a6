import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { CustomRotatorInvoker, InvocationAnswer } from '../rotation/custom-rotator';
import { baseConfig, cached } from './client-cache';

/**
 * The Lambda side of the custom strategy: a synchronous Invoke of the rotator the binding names.
 * The rotate function reaches this file only through `await import()` when a custom secret
 * rotates, so its cold init never parses the Lambda client.
 */
const lambda = /* @__PURE__ */ cached('lambda', () => new LambdaClient(baseConfig()));

/** The invoker over the shared Lambda client. */
export function lambdaCustomRotatorInvoker(): CustomRotatorInvoker {
  return {
    async invoke(functionArn: string, payload: string, timeoutMs: number): Promise<InvocationAnswer> {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      try {
        const out = await lambda().send(new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(payload) }), {
          abortSignal: abort.signal,
        });
        const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        if (out.FunctionError) {
          const errorType = errorTypeOf(text, out.FunctionError);
          // Lambda's own answer when the function ran past its timeout.
          return errorType === 'Sandbox.Timedout' ? { kind: 'timeout' } : { kind: 'function-error', errorType };
        }
        return { kind: 'returned', payload: text };
      } catch (error) {
        if (abort.signal.aborted) return { kind: 'timeout' };
        return { kind: 'unreachable', code: error instanceof Error ? error.name : 'Error' };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * The function's error type (Lambda's own `Sandbox.Timedout` when the function ran out of time);
 * its message is left out: a rotator's exception may quote what it was given.
 */
function errorTypeOf(text: string, fallback: string): string {
  try {
    const body = JSON.parse(text) as { errorType?: unknown };
    return typeof body.errorType === 'string' ? body.errorType : fallback;
  } catch {
    return fallback;
  }
}
