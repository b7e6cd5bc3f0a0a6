import { DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { startServer, stopServer } from '../cli/local/server';
import { localEnv } from '../cli/local/env';
import { ensureVenv } from '../cli/local/venv';
import { SsmParameterInventory } from '../shared/aws/ssm-parameter-inventory';
import { SsmParameterStore } from '../shared/aws/ssm-parameter-store';
import { systemClock } from '../shared/clock';
import { rotateParameter } from '../shared/ssm/parameter-rotation';
import { startCountingProxy } from './counting-proxy';
import { median } from './stats';

const ROTATIONS = 20;
const STRATEGIES = ['password', 'api-key', 'jwt-keyset', 'encryption-keyring'] as const;
const INVENTORY = 300;
const PREFIX = '/multitenant-ai-poc/';

/**
 * SSM calls one parameter rotation makes (counted on the wire between keywarden and a local
 * AWS), its time against one DescribeParameters round trip, and the inventory's listing of
 * SecureString parameters: calls per parameter, and the tag reads' concurrency against one at
 * a time, measured in the same run.
 */
export async function printParameterFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-moto-ssm.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    Object.assign(process.env, localEnv(proxy.endpoint));
    const direct = new SSMClient({ endpoint: moto.endpoint });
    const viaProxy = new SSMClient({});
    const deps = { store: new SsmParameterStore(viaProxy), scope: { prefixes: [PREFIX] }, clock: systemClock };
    console.log('\n== SSM Parameter Store: calls per parameter rotation, on the wire');
    for (const strategy of STRATEGIES) {
      const name = `${PREFIX}bench/${strategy}`;
      await direct.send(new PutParameterCommand({ Name: name, Value: '{"owner":"bench"}', Type: 'SecureString', Tags: [{ Key: 'keywarden:strategy', Value: strategy }] }));
      await rotateParameter(name, deps);
      proxy.counts.clear();
      const rotationMs: number[] = [];
      for (let i = 0; i < ROTATIONS; i += 1) {
        const began = performance.now();
        const report = await rotateParameter(name, deps);
        if (!report.ok) throw new Error(`rotation of ${name} failed: ${report.error}`);
        rotationMs.push(performance.now() - began);
      }
      const calls = [...proxy.counts].map(([op, n]) => [op.replace('AmazonSSM.', ''), n / ROTATIONS] as const);
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      const roundTrip = await describeRoundTripMs(viaProxy, name);
      console.log(
        `${strategy.padEnd(19)} ${total} calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')}); rotation ${median(rotationMs).toFixed(1)} ms = ${(median(rotationMs) / roundTrip).toFixed(1)}x one DescribeParameters round trip (${roundTrip.toFixed(2)} ms)`,
      );
    }
    for (let i = 0; i < INVENTORY; i += 1) await direct.send(new PutParameterCommand({ Name: `${PREFIX}tenant-${i % 7}/p-${i}`, Value: 'x', Type: 'SecureString' }));
    const total = INVENTORY + STRATEGIES.length;
    const listing = async (concurrency: number) => {
      proxy.counts.clear();
      const inventory = new SsmParameterInventory(viaProxy, { prefixes: [PREFIX] }, concurrency);
      const began = performance.now();
      let listed = 0;
      for await (const page of inventory.pages()) listed += page.length;
      if (listed !== total) throw new Error(`listed ${listed} parameters, expected ${total}`);
      return { ms: performance.now() - began, calls: [...proxy.counts.values()].reduce((a, b) => a + b, 0), pages: proxy.counts.get('AmazonSSM.DescribeParameters') ?? 0 };
    };
    const serial = await listing(1);
    const bounded = await listing(8);
    console.log(
      `inventory of ${total} SecureStrings: ${bounded.calls} calls (${bounded.pages} DescribeParameters pages, asked for 50 a page, + one ListTagsForResource each); ` +
        `tags 8 at a time ${bounded.ms.toFixed(0)} ms = ${(bounded.ms / serial.ms).toFixed(2)}x one at a time (${serial.ms.toFixed(0)} ms)`,
    );
  } finally {
    await proxy.close();
    await stopServer(moto.pid);
  }
}

async function describeRoundTripMs(client: SSMClient, name: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const began = performance.now();
    await client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
    samples.push(performance.now() - began);
  }
  return median(samples);
}
