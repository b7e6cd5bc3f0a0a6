import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on loopback that forwards to the local AWS and counts each call by its
 * `X-Amz-Target` (e.g. `secretsmanager.DescribeSecret`): the calls as they cross the wire.
 */
export async function startCountingProxy(
  upstream: string,
): Promise<{ endpoint: string; counts: Map<string, number>; /** Milliseconds spent on calls, summed. */ busyMs: () => number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  let busyMs = 0;
  const target = new URL(upstream);
  const server: Server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? `${incoming.method} ${incoming.url}`);
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
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
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    busyMs: () => busyMs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
