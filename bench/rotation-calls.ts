import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { join } from 'node:path';
import { invokeBundle } from '../cli/bundles';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { rotateSecretStarter } from '../shared/aws/rotation-requests';
import { playRotation } from '../shared/rotation/driver';
import { startCountingProxy } from './counting-proxy';
import { printCrossAccountCalls } from './rotation-calls-cross-account';
import { printIamAccessKeyCalls } from './rotation-calls-iam';
import { callsByService, createStageResources } from './stage';
import { median } from './stats';

const ROTATIONS = 20;
const STRATEGIES = ['password', 'api-key', 'jwt-keyset', 'encryption-keyring'] as const;
const CALL_TARGET = 8;

/**
 * Secrets Manager calls one generated-secret rotation makes, counted on the wire between the
 * rotate bundle and a local AWS, and its wall time against one DescribeSecret round trip
 * measured through the same proxy in the same run.
 */
export async function printRotationFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    await createStageResources(moto.endpoint);
    // The bundle's clients read the environment when first built: point them at the proxy.
    Object.assign(process.env, localEnv(proxy.endpoint));
    const direct = new SecretsManagerClient({ endpoint: moto.endpoint });
    const viaProxy = new SecretsManagerClient({});
    console.log(`\n== Secrets Manager calls per rotation, on the wire (target <= ${CALL_TARGET}; the official templates make about 11)`);
    for (const strategy of STRATEGIES) {
      const name = `bench/tenant-1/${strategy}`;
      await direct.send(new CreateSecretCommand({ Name: name, SecretString: '{"owner":"bench"}', Tags: [{ Key: 'keywarden:strategy', Value: strategy }] }));
      await rotateOnce(name, direct); // warm the bundle and its connection
      proxy.counts.clear();
      const rotationMs: number[] = [];
      for (let i = 0; i < ROTATIONS; i += 1) rotationMs.push(await rotateOnce(name, direct));
      const { secretsManager: calls, dynamoDb } = callsByService(proxy.counts, ROTATIONS);
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      const roundTrip = await describeRoundTripMs(viaProxy, name);
      console.log(
        `${strategy.padEnd(19)} ${total} calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')}); DynamoDB (binding and ledger) ${dynamoDb.map(([op, n]) => `${op} ${n}`).join(', ')}; ` +
          `rotation ${median(rotationMs).toFixed(1)} ms = ${(median(rotationMs) / roundTrip).toFixed(1)}x one DescribeSecret round trip (${roundTrip.toFixed(2)} ms)`,
      );
    }
    await printCrossAccountCalls({ motoEndpoint: moto.endpoint, counts: proxy.counts, rotations: ROTATIONS, roundTripMs: () => describeRoundTripMs(viaProxy, 'bench/tenant-1/password') });
    await printIamAccessKeyCalls({
      motoEndpoint: moto.endpoint,
      direct,
      counts: proxy.counts,
      rotations: ROTATIONS,
      rotateOnce: (name) => rotateOnce(name, direct),
      roundTripMs: (name) => describeRoundTripMs(viaProxy, name),
    });
  } finally {
    await proxy.close();
    await stopServer(moto.pid);
  }
}

async function rotateOnce(name: string, direct: SecretsManagerClient): Promise<number> {
  const began = performance.now();
  const report = await playRotation(name, {
    start: rotateSecretStarter(direct, 30),
    invoke: async (event) => {
      await invokeBundle('rotate', event);
    },
  });
  if (!report.ok) throw new Error(`rotation of ${name} failed at ${report.failedStep}: ${report.steps.at(-1)?.error}`);
  return performance.now() - began;
}

async function describeRoundTripMs(client: SecretsManagerClient, name: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const began = performance.now();
    await client.send(new DescribeSecretCommand({ SecretId: name }));
    samples.push(performance.now() - began);
  }
  return median(samples);
}
