import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { KeywardenError } from '../errors';
import type { RotationEvent } from '../rotation/driver';
import { REVOKE_ACTION } from '../rotation/request';

/** The rotate function failed the request; `errorType` is its error class (e.g. RotationContractError). */
export class RotateFunctionError extends KeywardenError {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(`${errorType}: ${message}`);
    this.name = 'RotateFunctionError';
  }
}

/**
 * The deployed rotate function, invoked synchronously: for a rotation step (as Secrets Manager
 * invokes it) or for an emergency revocation. Its error comes back as a RotateFunctionError with
 * the function's own error type and message.
 */
export class LambdaRotateFunction {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  /** Runs one rotation step. */
  async invokeStep(event: RotationEvent): Promise<void> {
    await this.invoke(event);
  }

  /** Revokes the credential that rotation `token` replaced. */
  async revoke(secretId: string, token: string): Promise<{ revoked: boolean; detail: string }> {
    const result = (await this.invoke({ Action: REVOKE_ACTION, SecretId: secretId, ClientRequestToken: token })) as { revoked?: boolean; detail?: string };
    return { revoked: result?.revoked === true, detail: result?.detail ?? 'the rotate function gave no detail' };
  }

  private async invoke(payload: object): Promise<unknown> {
    const out = await this.client.send(
      new InvokeCommand({ FunctionName: this.functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    const body = out.Payload && out.Payload.length > 0 ? JSON.parse(new TextDecoder().decode(out.Payload)) : undefined;
    if (out.FunctionError) throw new RotateFunctionError(body?.errorType ?? 'Error', body?.errorMessage ?? `the rotate function failed (${out.FunctionError})`);
    return body;
  }
}
