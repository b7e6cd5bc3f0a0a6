import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { DynamoDbBindingStore } from '../shared/aws/dynamodb-binding-store';
import { customBindingFromFlagsChecked } from '../shared/rotation/binding-proposal';
import { generateApiKey } from '../shared/rotation/strategies/api-key';
import { bindingsTableName } from '../shared/rotation/settings';
import { startFaultyLambda } from '../test/support/faulty-lambda';
import { KeyService } from '../test/support/key-service';
import { startCountingProxy } from './counting-proxy';
import { rotateOnce } from './rotation-custom';
import { callsByService, createStageResources } from './stage';
import { median } from './stats';
import { resourceNames } from '../shared/resource-names';

const ROTATIONS = 20;
const ROTATOR = `${resourceNames('ci').customRotatorPrefix}keys`;

/**
 * The custom strategy's key shapes (api-key, jwt-keyset, encryption-keyring) through the built
 * rotate bundle, against a key service in this process behind a Lambda endpoint: calls per
 * rotation on the wire and the time a rotation takes. Baseline: the same generated strategies
 * without a rotator, in the same run.
 */
export async function printCustomShapeFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-custom-shapes-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  const service = new KeyService();
  const lambda = await startFaultyLambda('ci', { [ROTATOR]: (body) => service.handler(body) });
  const lambdaProxy = await startCountingProxy(lambda.endpoint);
  const previousEnv = { ...process.env };
  try {
    await createStageResources(moto.endpoint);
    Object.assign(process.env, localEnv(proxy.endpoint), { AWS_ENDPOINT_URL_LAMBDA: lambdaProxy.endpoint });
    const direct = new SecretsManagerClient({ endpoint: moto.endpoint });
    const bindings = new DynamoDbBindingStore(new DynamoDBClient({ endpoint: moto.endpoint }), bindingsTableName('ci'));
    const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${ROTATOR}`;
    const tagsFor = (strategy: string) => [{ Key: 'keywarden:stage', Value: 'ci' }, { Key: 'keywarden:strategy', Value: strategy }];
    const names: string[] = [];
    for (const shape of ['api-key', 'jwt-keyset', 'encryption-keyring'] as const) {
      const apiKey = generateApiKey('kw');
      service.apiKeys.add(createHash('sha256').update(apiKey).digest('hex'));
      const value = JSON.stringify(shape === 'api-key' ? { apiKey } : {});
      await direct.send(new CreateSecretCommand({ Name: `bench/shared/${shape}`, SecretString: value, Tags: tagsFor(shape) }));
      const arn = (await direct.send(new CreateSecretCommand({ Name: `bench/shared/custom-${shape}`, SecretString: value, Tags: tagsFor('custom') }))).ARN!;
      await bindings.put(customBindingFromFlagsChecked(arn, { functionArn, shape }));
      names.push(`bench/shared/${shape}`, `bench/shared/custom-${shape}`);
    }
    console.log(`\n== custom rotator key shapes through the built rotate bundle (median of ${ROTATIONS}; a key service in this process behind the Lambda endpoint)`);
    for (const name of names) {
      await rotateOnce(name, direct);
      proxy.counts.clear();
      lambdaProxy.counts.clear();
      const wall: number[] = [];
      for (let i = 0; i < ROTATIONS; i += 1) wall.push(await rotateOnce(name, direct));
      const { secretsManager: calls, dynamoDb } = callsByService(proxy.counts, ROTATIONS);
      const invokes = [...lambdaProxy.counts.values()].reduce((sum, n) => sum + n, 0) / ROTATIONS;
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `${name.padEnd(34)} ${median(wall).toFixed(1)} ms per rotation; ${total} Secrets Manager calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')}); ` +
          `DynamoDB ${dynamoDb.map(([op, n]) => `${op} ${n}`).join(', ') || 'none'}; Lambda Invoke ${invokes}`,
      );
    }
  } finally {
    process.env = previousEnv;
    await lambdaProxy.close();
    await lambda.close();
    await proxy.close();
    await stopServer(moto.pid);
  }
}
