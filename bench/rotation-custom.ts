import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { invokeBundle } from '../cli/bundles';
import { localEnv } from '../cli/local/env';
import { startLambdaEndpoint } from '../cli/local/lambda-endpoint';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { DynamoDbBindingStore } from '../shared/aws/dynamodb-binding-store';
import { rotateSecretStarter } from '../shared/aws/rotation-requests';
import { customBindingFromFlagsChecked } from '../shared/rotation/binding-proposal';
import { playRotation } from '../shared/rotation/driver';
import { bindingsTableName } from '../shared/rotation/settings';
import { createRabbitUser, deleteRabbitUser, rabbitRotatorEnv, requireRabbitMq } from '../test/support/rabbitmq';
import { startCountingProxy } from './counting-proxy';
import { callsByService, createStageResources } from './stage';
import { median } from './stats';
import { resourceNames } from '../shared/resource-names';

const ROTATIONS = 20;

/**
 * Custom-rotator rotations (the example RabbitMQ rotator, alternating users) through the built
 * rotate bundle: Secrets Manager, DynamoDB and Lambda calls per rotation counted on the wire, and
 * wall time split into the rotator's invocations (measured at a counting proxy in front of the
 * local Lambda endpoint) and the rest. Baseline: a password-strategy rotation in the same run.
 */
export async function printCustomRotationFigures(): Promise<void> {
  try {
    await requireRabbitMq();
  } catch (error) {
    console.log(`\n== custom rotator (RabbitMQ): skipped: ${(error as Error).message}`);
    return;
  }
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-custom-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  const lambda = await startLambdaEndpoint('ci');
  const lambdaProxy = await startCountingProxy(lambda.endpoint);
  const previousEnv = { ...process.env };
  const user = `kw_rmq_bench_${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`;
  try {
    await createStageResources(moto.endpoint);
    Object.assign(process.env, localEnv(proxy.endpoint), rabbitRotatorEnv('kw_rmq_'), { AWS_ENDPOINT_URL_LAMBDA: lambdaProxy.endpoint });
    const direct = new SecretsManagerClient({ endpoint: moto.endpoint });
    const tagsFor = (strategy: string) => [{ Key: 'keywarden:stage', Value: 'ci' }, { Key: 'keywarden:strategy', Value: strategy }];
    await createRabbitUser(user, 'Initial-bench-pw-1');
    const custom = (await direct.send(new CreateSecretCommand({ Name: 'bench/shared/rabbitmq', SecretString: JSON.stringify({ username: user, password: 'Initial-bench-pw-1' }), Tags: tagsFor('custom') }))).ARN!;
    const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${resourceNames('ci').customRotatorPrefix}rabbitmq`;
    await new DynamoDbBindingStore(new DynamoDBClient({ endpoint: moto.endpoint }), bindingsTableName('ci')).put(customBindingFromFlagsChecked(custom, { functionArn, user, alternating: true }));
    await direct.send(new CreateSecretCommand({ Name: 'bench/shared/password', SecretString: '{"owner":"bench"}', Tags: tagsFor('password') }));

    console.log(`\n== custom rotator: RabbitMQ through the example rotator (median of ${ROTATIONS}; alternating users)`);
    for (const name of ['bench/shared/password', 'bench/shared/rabbitmq']) {
      await rotateOnce(name, direct);
      proxy.counts.clear();
      lambdaProxy.counts.clear();
      const wall: number[] = [];
      const inRotator: number[] = [];
      for (let i = 0; i < ROTATIONS; i += 1) {
        const before = lambdaProxy.busyMs();
        wall.push(await rotateOnce(name, direct));
        inRotator.push(lambdaProxy.busyMs() - before);
      }
      const { secretsManager: calls, dynamoDb } = callsByService(proxy.counts, ROTATIONS);
      const invokes = [...lambdaProxy.counts.values()].reduce((sum, n) => sum + n, 0) / ROTATIONS;
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `${name.padEnd(24)} ${median(wall).toFixed(1)} ms per rotation (rotator ${median(inRotator).toFixed(1)} ms); ${total} Secrets Manager calls ` +
          `(${calls.map(([op, n]) => `${op} ${n}`).join(', ')}); DynamoDB ${dynamoDb.map(([op, n]) => `${op} ${n}`).join(', ')}; Lambda Invoke ${invokes}`,
      );
    }
  } finally {
    process.env = previousEnv;
    await deleteRabbitUser(user).catch(() => undefined);
    await deleteRabbitUser(`${user}_clone`).catch(() => undefined);
    await lambdaProxy.close();
    await lambda.close();
    await proxy.close();
    await stopServer(moto.pid);
  }
}

/** One rotation through the built rotate bundle, as the service would run it; its wall time. */
export async function rotateOnce(name: string, direct: SecretsManagerClient): Promise<number> {
  const began = performance.now();
  const report = await playRotation(name, { start: rotateSecretStarter(direct, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
  if (!report.ok) throw new Error(`rotation of ${name} failed at ${report.failedStep}: ${report.steps.at(-1)?.error}`);
  return performance.now() - began;
}
