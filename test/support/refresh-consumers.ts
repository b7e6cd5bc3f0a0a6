import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';

/**
 * Consumers of a secret on the local AWS, for the refresh tests: an ECS service (a cluster, a task
 * definition, a service), and the demo's Lambda consumer (cli/demo/consumer-function.ts).
 */

const ecs = () => new ECSClient({});

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

export { createConsumerFunction as createLambdaFunction, consumerVariables as lambdaVariables, consumerVersions as lambdaVersions } from '../../cli/demo/consumer-function';
