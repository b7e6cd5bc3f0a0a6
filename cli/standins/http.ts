import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultInjector, type FaultKind, type FaultOptions } from './faults';

/**
 * The HTTP side every stand-in shares: a server on a loopback port the OS picks, one JSON (or
 * text) answer per POST, injected faults, and a record of every request: when it arrived, what
 * it carried, what it was answered. The record never includes the request path, which for a
 * webhook is a credential.
 */

/** One request as the stand-in saw it. */
export interface RecordedRequest {
  /** Epoch ms, and `performance.now()` in this process (for latency on loopback). */
  at: number;
  receivedAt: number;
  method: string;
  status: number;
  /** The injected fault, if any. */
  fault?: FaultKind;
  /** The raw body as received. */
  body: string;
  /** What the stand-in answered. */
  answer: string;
}

/** An answer from a stand-in's own logic. */
export interface StandinAnswer {
  status: number;
  body: string | Record<string, unknown>;
  headers?: Record<string, string>;
}

/** What a stand-in's logic is given. */
export interface StandinRequest {
  method: string;
  path: string;
  body: string;
}

/** A running stand-in. */
export interface StandinServer {
  /** `http://127.0.0.1:<port>` (or the host asked for) */
  origin: string;
  requests: RecordedRequest[];
  faults: FaultInjector;
  /** Forgets the recorded requests (and what the stand-in accepted). */
  reset(): void;
  close(): Promise<void>;
}

/** How a stand-in behaves. */
export interface StandinBehaviour {
  name: string;
  handle(request: StandinRequest): StandinAnswer;
  /** The answer to an injected 400. */
  badRequest(): StandinAnswer;
  /** Forgets accepted state. */
  reset?(): void;
}

/** Options every stand-in takes. */
export interface StandinOptions {
  faults?: FaultOptions;
  /** Called with one line per request (the CLI prints them); never sees the path. */
  onRequest?: (line: string, request: RecordedRequest) => void;
  /** Port to listen on; default one the OS picks. */
  port?: number;
  /** Loopback address to listen on; default 127.0.0.1 (another, such as 127.0.0.2, plays a host off the allow-list). */
  host?: string;
}

/** Starts a stand-in on 127.0.0.1 (or `options.host`). */
export async function startStandin(behaviour: StandinBehaviour, options: StandinOptions = {}): Promise<StandinServer> {
  const faults = new FaultInjector(options.faults);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('stand-in error');
    });
  });
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const at = Date.now();
    const body = await readBody(req);
    const fault = faults.next();
    let answer: StandinAnswer;
    if (fault === 'slow') await sleep(faults.slowMs);
    if (fault === '429') answer = { status: 429, body: 'rate_limited', headers: { 'retry-after': String(faults.retryAfterSeconds) } };
    else if (fault === '500' || fault === '502' || fault === '503') answer = { status: Number(fault), body: faults.errorBody ?? 'service unavailable (injected)' };
    else if (fault === '400') answer = faults.errorBody === undefined ? behaviour.badRequest() : { status: 400, body: faults.errorBody };
    else if (fault === '302') answer = { status: 302, body: 'moved', headers: { location: faults.redirectTo } };
    else answer = behaviour.handle({ method: req.method ?? 'GET', path: req.url ?? '/', body });
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const contentType = typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    res.writeHead(answer.status, { 'content-type': contentType, ...answer.headers });
    res.end(text);
    const record: RecordedRequest = { at, receivedAt, method: req.method ?? 'GET', status: answer.status, fault, body, answer: text };
    requests.push(record);
    options.onRequest?.(`[${behaviour.name}] ${answer.status} ${text.slice(0, 120)}${fault ? ` (injected ${fault})` : ''}`, record);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 }, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    origin: `http://${address}:${port}`,
    requests,
    faults,
    reset() {
      requests.length = 0;
      behaviour.reset?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request's whole body as UTF-8 text (the stand-ins, this one and test/support/kubernetes-standin.ts). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
