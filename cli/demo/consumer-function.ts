import { execFileSync } from 'node:child_process';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, ListVersionsByFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * A Lambda function that consumes a secret, on the local AWS, made the way an application team
 * makes one (a role Lambda can assume, a zip of code): the demo's and the tests' target for the
 * `lambda-config-version` refresh action. Its code is never run (moto does not run code here);
 * only its configuration and versions matter.
 */
export async function createConsumerFunction(name: string, variables: Record<string, string>): Promise<void> {
  const iam = new IAMClient({});
  const roleName = 'keywarden-demo-consumer-role';
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch(() =>
    iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) })),
  );
  await new LambdaClient({}).send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs22.x', Role: role.Role!.Arn!, Handler: 'index.handler', Code: { ZipFile: functionZip() }, Environment: { Variables: variables } }),
  );
}

/** The function's environment variables now. */
export async function consumerVariables(name: string): Promise<Record<string, string>> {
  return (await new LambdaClient({}).send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Environment?.Variables ?? {};
}

/** The function's published versions (without $LATEST). */
export async function consumerVersions(name: string): Promise<string[]> {
  const out = await new LambdaClient({}).send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (out.Versions ?? []).map((v) => v.Version!).filter((v) => v !== '$LATEST');
}

/** True when the function exists. */
export async function consumerExists(name: string): Promise<boolean> {
  return consumerVariables(name).then(() => true, (error: Error) => {
    if (error.name === 'ResourceNotFoundException') return false;
    throw error;
  });
}

let zip: Uint8Array | undefined;

/** A zip holding index.mjs, made with Python's zipfile (Python is on the machine: the local AWS runs on it). */
function functionZip(): Uint8Array {
  zip ??= execFileSync('python3', ['-c', [
    'import io, sys, zipfile',
    'b = io.BytesIO()',
    'z = zipfile.ZipFile(b, "w")',
    'z.writestr("index.mjs", "export const handler = async () => process.env.KEYWARDEN_SECRET_VERSION ?? null;\\n")',
    'z.close()',
    'sys.stdout.buffer.write(b.getvalue())',
  ].join('\n')]);
  return zip;
}
