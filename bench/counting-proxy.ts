import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on loopback that forwards to the local AWS and counts each call by its
 * `X-Amz-Target` (e.g. `secretsmanager.DescribeSecret`): the calls as they cross the wire.
 * `keepBodies` names operations whose request bodies are kept too (tests read what was sent).
 */
export async function startCountingProxy(
  upstream: string,
  keepBodies: readonly string[] = [],
): Promise<{ endpoint: string; counts: Map<string, number>; bodies: Array<{ operation: string; body: string }>; /** Milliseconds spent on calls, summed. */ busyMs: () => number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const bodies: Array<{ operation: string; body: string }> = [];
  let busyMs = 0;
  const target = new URL(upstream);
  const server: Server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? `${incoming.method} ${incoming.url}`);
    const queryService = incoming.headers['x-amz-target'] === undefined ? queryProtocolService(incoming.headers.authorization) : undefined;
    if (queryService) {
      // IAM and STS speak the query protocol: the operation is the body's Action, counted once it has arrived.
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Action') ?? 'unknown';
        const name = `${queryService}.${action}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      });
    } else counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const began = performance.now();
    outgoing.on('finish', () => (busyMs += performance.now() - began));
    const forward = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    if (keepBodies.includes(operation)) {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => bodies.push({ operation, body: Buffer.concat(chunks).toString('utf8') }));
    }
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    bodies,
    busyMs: () => busyMs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `iam` or `sts` from a SigV4 Authorization header's credential scope; other services answer undefined. */
function queryProtocolService(authorization: string | undefined): string | undefined {
  const service = authorization?.match(/Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//)?.[1];
  return service === 'iam' || service === 'sts' ? service : undefined;
}
