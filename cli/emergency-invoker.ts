import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda, resetClients } from '../shared/aws/clients';
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
  const out = await lambda().send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  const body = out.Payload && out.Payload.length > 0 ? JSON.parse(new TextDecoder().decode(out.Payload)) : undefined;
  if (out.FunctionError) {
    const message = body?.errorMessage ?? `the emergency function failed (${out.FunctionError})`;
    // A refusal (no such secret, no such tenant) is the caller's to fix: exit code 2, not 1.
    if (body?.errorType === 'InvalidRequestError') throw new InvalidRequestError(message);
    const error = new KeywardenError(message);
    error.name = body?.errorType ?? 'EmergencyFunctionError';
    throw error;
  }
  return body as EmergencyReport;
}
