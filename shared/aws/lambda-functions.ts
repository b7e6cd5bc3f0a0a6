import { GetFunctionCommand, InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { lambda } from './clients';

/** Whether a Lambda function exists here (false only for "not found"; any other error is thrown). */
export async function functionExists(functionArn: string | undefined): Promise<boolean> {
  if (!functionArn) return false;
  try {
    await lambda().send(new GetFunctionCommand({ FunctionName: functionArn }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** What a synchronous invocation answered: the parsed body, and Lambda's FunctionError when it failed. */
export interface JsonInvocation {
  body: unknown;
  functionError?: string;
}

/** Invokes a function synchronously with a JSON payload and parses its JSON answer. */
export async function invokeJson(functionName: string, payload: unknown): Promise<JsonInvocation> {
  const out = await lambda().send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  const body = out.Payload && out.Payload.length > 0 ? JSON.parse(new TextDecoder().decode(out.Payload)) : undefined;
  return { body, functionError: out.FunctionError };
}
