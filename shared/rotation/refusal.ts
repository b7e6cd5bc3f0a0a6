import { RotationRefusedError } from '../errors';

/** What the rotate function was asked when it refused: a step, or a revocation. */
export interface RefusedRequest {
  action: string;
  secretId: string;
  token: string;
}

/** What reporting a refusal needs: how to publish its finding (loaded on first use), a logger. */
export interface RefusalDeps {
  publish: (error: RotationRefusedError, request: RefusedRequest) => Promise<void>;
  log: { error(message: string, extra: Record<string, unknown>): void };
}

/**
 * Runs `work` and, when keywarden refuses (a RotationRefusedError from any check: binding,
 * privileges, ledger, transport), puts a finding on the keywarden bus, then throws the refusal so
 * the step fails. A publish that fails is logged and does not hide the refusal.
 */
export async function raisingFindingOnRefusal<T>(request: RefusedRequest, work: () => Promise<T>, deps: RefusalDeps): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RotationRefusedError) await publishRefusal(error, request, deps);
    throw error;
  }
}

async function publishRefusal(error: RotationRefusedError, request: RefusedRequest, deps: RefusalDeps): Promise<void> {
  try {
    await deps.publish(error, request);
  } catch (publishError) {
    deps.log.error('could not publish the finding for a refused rotation; the refusal still stands', {
      rule: error.rule,
      field: error.field,
      secretId: request.secretId,
      publishError: publishError instanceof Error ? `${publishError.name}: ${publishError.message}` : String(publishError),
    });
  }
}
