import { execFileSync } from 'node:child_process';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';

/**
 * Consumers of a secret on the local AWS, for the refresh tests: an ECS service and a Lambda
 * function, each made the way an application team makes them (a task definition, a role).
 */

const ecs = () => new ECSClient({});
const lambda = () => new LambdaClient({});

/** An ECS cluster with one service of one task; returns the service's first deployment id. */
export async function createEcsService(cluster: string, service: string): Promise<string> {
  const client = ecs();
  await client.send(new CreateClusterCommand({ clusterName: cluster }));
  const { taskDefinition } = await client.send(
    new RegisterTaskDefinitionCommand({ family: `${service}-task`, containerDefinitions: [{ name: 'app', image: 'app:1', memory: 128 }] }),
  );
  await client.send(new CreateServiceCommand({ cluster, serviceName: service, taskDefinition: taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
  return ecsDeploymentId(cluster, service);
}

/** The id of the service's newest deployment. */
export async function ecsDeploymentId(cluster: string, service: string): Promise<string> {
  const out = await ecs().send(new DescribeServicesCommand({ cluster, services: [service] }));
  return out.services![0]!.deployments![0]!.id!;
}

/** A Lambda function with `variables` in its environment, its code a real (tiny) zip. */
export async function createLambdaFunction(name: string, variables: Record<string, string>): Promise<void> {
  const iam = new IAMClient({});
  const roleName = 'refresh-test-function-role';
  const role = await iam.send(new GetRoleCommand({ RoleName: roleName })).catch(() =>
    iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) })),
  );
  await lambda().send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: role.Role!.Arn!,
      Handler: 'index.handler',
      Code: { ZipFile: functionZip() },
      Environment: { Variables: variables },
    }),
  );
}

/** The function's environment variables now. */
export async function lambdaVariables(name: string): Promise<Record<string, string>> {
  return (await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Environment?.Variables ?? {};
}

/** The function's published versions (without $LATEST). */
export async function lambdaVersions(name: string): Promise<string[]> {
  const out = await lambda().send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  return (out.Versions ?? []).map((v) => v.Version!).filter((v) => v !== '$LATEST');
}

let zip: Uint8Array | undefined;

/** A zip holding index.mjs, made with Python's zipfile (always on this machine: moto runs on it). */
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
