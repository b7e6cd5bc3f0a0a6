import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redact } from '../../shared/redact';
import { invokeBundle } from '../bundles';
import { resourceNames } from '../../shared/resource-names';

/** Lambda's synchronous Invoke: `POST /2015-03-31/functions/<name or ARN>/invocations`. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations(\?.*)?$/;

/** A local Lambda endpoint that runs the built bundles. */
export interface LambdaEndpoint {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Plays Lambda's part for the local AWS: answers Invoke by running the function's built bundle
 * in this process, so one function calling another (the emergency function invoking the rotate
 * function) runs the shipped code through the SDK, exactly as in AWS. Point a Lambda client at it
 * with `AWS_ENDPOINT_URL_LAMBDA`. `keywarden-<stage>-<name>` and plain `<name>` both resolve to
 * `dist/functions/<name>`. Every other Lambda operation (GetFunctionConfiguration,
 * UpdateFunctionConfiguration, PublishVersion: the refresh function's) is moto's, forwarded to
 * `AWS_ENDPOINT_URL`, since one process has one Lambda endpoint. Loopback only.
 */
export async function startLambdaEndpoint(stage: string): Promise<LambdaEndpoint> {
  const server: Server = createServer((request, response) => {
    void answer(request, response, stage);
  });
  // It serves this process's own calls; it must not keep a finished command alive. The listening
  // socket and each accepted connection are unref'd: a kept-alive connection the SDK's agent
  // holds open between invocations otherwise keeps the process up until the server's
  // keep-alive timeout closes it (6 to 10 s after `emergency --local` had printed its report).
  // A connection with a request under way still holds the process through the caller's side.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const shared = new Map<string, Promise<LambdaEndpoint>>();

/**
 * The endpoint for `stage`, started once per process: a function bundle builds its Lambda client
 * once and keeps it, as a warm container does, so the endpoint it was given must stay.
 */
export function sharedLambdaEndpoint(stage: string): Promise<LambdaEndpoint> {
  let endpoint = shared.get(stage);
  if (!endpoint) {
    endpoint = startLambdaEndpoint(stage);
    shared.set(stage, endpoint);
  }
  return endpoint;
}

async function answer(request: IncomingMessage, response: ServerResponse, stage: string): Promise<void> {
  const match = INVOKE_PATH.exec(request.url ?? '');
  if (request.method !== 'POST' || !match) return forwardToLocalAws(request, response);
  const name = bundleName(decodeURIComponent(match[1]!), stage);
  let event: unknown;
  try {
    const body = await readBody(request);
    event = body.length ? JSON.parse(body) : {};
  } catch {
    return send(response, 400, { Type: 'User', message: 'Could not parse request body into json' });
  }
  try {
    const result = await invokeBundle(name, event);
    send(response, 200, result ?? null, { 'X-Amz-Executed-Version': '$LATEST' });
  } catch (error) {
    const errorType = error instanceof Error ? error.name : 'Error';
    const errorMessage = redact(error instanceof Error ? error.message : String(error));
    send(response, 200, { errorType, errorMessage, trace: [] }, { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' });
  }
}

/** `arn:aws:lambda:r:a:function:keywarden-ci-rotate` / `keywarden-ci-rotate` / `rotate` → `rotate`. */
export function bundleName(functionName: string, stage: string): string {
  const name = functionName.includes(':function:') ? functionName.split(':function:')[1]!.split(':')[0]! : functionName;
  const prefix = `${resourceNames(stage).stack}-`;
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Hop-by-hop and encoding headers, which the forwarded exchange sets for itself. */
const NOT_FORWARDED = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']);

/** Any operation but Invoke, as moto answers it (its own Lambda keeps configurations and versions). */
async function forwardToLocalAws(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = process.env.AWS_ENDPOINT_URL;
  if (!target) return send(response, 404, { message: `no such Lambda operation: ${request.method} ${request.url} (and no AWS_ENDPOINT_URL to forward it to)` });
  try {
    const body = await readBody(request);
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name, value]) => !NOT_FORWARDED.has(name) && typeof value === 'string')) as Record<string, string>;
    const answer = await fetch(new URL(request.url ?? '/', target), { method: request.method ?? 'GET', headers, ...(body.length > 0 && { body }) });
    const text = Buffer.from(await answer.arrayBuffer());
    const kept = Object.fromEntries([...answer.headers].filter(([name]) => !NOT_FORWARDED.has(name)));
    response.writeHead(answer.status, { ...kept, 'Content-Length': text.length });
    response.end(text);
  } catch (error) {
    send(response, 502, { message: `forwarding ${request.method} ${request.url} to the local AWS failed: ${redact(error instanceof Error ? error.message : String(error))}` });
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
