import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeBundle } from '../../cli/bundles';
import { bundleName } from '../../cli/local/lambda-endpoint';

/** How the stand-in answers one action: the real rotator, or a fault. */
export type Fault = 'pass' | 'error' | 'hang' | 'garbage' | 'wrong-contract' | 'refuse-echoing' | 'echo-field' | 'other-shape' | 'revoked-on-set';

/** A rotator implemented in the test process (a service's stand-in), by function name. */
export type RotatorHandler = (body: Record<string, unknown>) => Promise<unknown>;

/**
 * A Lambda Invoke endpoint (the SDK's `POST /2015-03-31/functions/<name>/invocations`) that runs
 * the built rotator bundle, or fails the way a broken rotator would for the actions `faults`
 * names. Records every request it was sent.
 */
export async function startFaultyLambda(
  stage: string,
  handlers: Readonly<Record<string, RotatorHandler>> = {},
): Promise<{
  endpoint: string;
  requests: Array<{ functionName: string; body: Record<string, unknown> }>;
  faults: Partial<Record<string, Fault>>;
  close(): Promise<void>;
}> {
  const requests: Array<{ functionName: string; body: Record<string, unknown> }> = [];
  const faults: Partial<Record<string, Fault>> = {};
  const hanging = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const functionName = decodeURIComponent(/functions\/([^/]+)\/invocations/.exec(request.url ?? '')?.[1] ?? '');
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        requests.push({ functionName, body });
        const send = (status: number, text: string, headers: Record<string, string> = {}) => {
          response.writeHead(status, { 'content-type': 'application/json', ...headers });
          response.end(text);
        };
        // What a careless rotator would quote back: the pending password, API key or data key.
        const given = body.pending as { password?: string; apiKey?: string; key?: string } | undefined;
        const pending = given?.password ?? given?.apiKey ?? given?.key ?? '';
        switch (faults[String(body.action)] ?? 'pass') {
          case 'error':
            return send(200, JSON.stringify({ errorType: 'RotatorCrashed', errorMessage: `could not use ${pending}` }), { 'X-Amz-Function-Error': 'Unhandled' });
          case 'hang':
            hanging.add(setTimeout(() => send(200, '{}'), 30_000));
            return;
          case 'garbage':
            return send(200, 'this is not { json');
          case 'wrong-contract':
            return send(200, JSON.stringify({ ok: true }));
          case 'refuse-echoing':
            return send(200, JSON.stringify({ contract: 'keywarden.custom-rotator/1', ok: false, reason: `will not take ${pending}` }));
          case 'echo-field':
            return send(200, JSON.stringify({ contract: 'keywarden.custom-rotator/1', ok: true, pending: body.pending }));
          case 'other-shape':
            return send(200, JSON.stringify({ contract: 'keywarden.custom-rotator/1', ok: true, shape: body.shape === 'password' ? 'api-key' : 'password' }));
          case 'revoked-on-set':
            return send(200, JSON.stringify({ contract: 'keywarden.custom-rotator/1', ok: true, revoked: true }));
          case 'pass':
            try {
              const own = handlers[functionName.slice(functionName.lastIndexOf(':') + 1)];
              return send(200, JSON.stringify((own ? await own(body) : await invokeBundle(bundleName(functionName, stage), body)) ?? null));
            } catch (error) {
              return send(200, JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }), { 'X-Amz-Function-Error': 'Unhandled' });
            }
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: async () => {
      for (const timer of hanging) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
