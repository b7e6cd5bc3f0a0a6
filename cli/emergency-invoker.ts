import { resetClients } from '../shared/aws/clients';
import { invokeJson } from '../shared/aws/lambda-functions';
import { InvalidRequestError, KeywardenError } from '../shared/errors';
import type { EmergencyReport } from '../shared/emergency/report';
import { sharedLambdaEndpoint } from './local/lambda-endpoint';
import { resourceNames } from '../shared/resource-names';

/**
 * Runs an emergency request through the emergency function, with Lambda's Invoke. In AWS that is
 * the deployed function. Locally, a Lambda endpoint in this process runs the built bundles, and
 * the emergency function invokes the rotate function for each step (no service runs rotations
 * in the local AWS) and for the revocation, through the same SDK calls it makes in AWS.
 */
export async function invokeEmergency(payload: Record<string, unknown>, where: { kind: 'aws' | 'local'; stage: string }): Promise<EmergencyReport> {
  if (where.kind === 'aws') return invokeFunction(resourceNames(where.stage).functions.emergency, payload);
  const endpoint = await sharedLambdaEndpoint(where.stage);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: endpoint.endpoint,
    KEYWARDEN_STAGE: where.stage,
    KEYWARDEN_EMERGENCY_ROTATION: 'function',
  });
  resetClients();
  return invokeFunction(resourceNames(where.stage).functions.emergency, payload);
}

async function invokeFunction(functionName: string, payload: Record<string, unknown>): Promise<EmergencyReport> {
  const { body, functionError } = (await invokeJson(functionName, payload)) as { body: { errorMessage?: string; errorType?: string } | undefined; functionError?: string };
  if (functionError) {
    const message = body?.errorMessage ?? `the emergency function failed (${functionError})`;
    // A refusal (no such secret, no such tenant) is the caller's to fix: exit code 2, not 1.
    if (body?.errorType === 'InvalidRequestError') throw new InvalidRequestError(message);
    const error = new KeywardenError(message);
    error.name = body?.errorType ?? 'EmergencyFunctionError';
    throw error;
  }
  return body as EmergencyReport;
}
