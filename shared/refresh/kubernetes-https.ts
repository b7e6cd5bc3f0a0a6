import { request } from 'node:https';
import { KubernetesApiError } from '../errors';
import { redact } from '../redact';
import type { KubernetesApi } from './kubernetes-api';
import type { KubernetesConnection } from './kubernetes-connection';

/** At most this much of an answer is read: a Status object is small. */
const MAX_RESPONSE_BYTES = 65_536;
const MAX_MESSAGE = 300;

/**
 * The Kubernetes API over HTTPS: the server's certificate verified against the configured CA
 * alone (not the system's), the token as a bearer header, no redirect followed (Node's request
 * follows none), a deadline on every call. Paths are the callers', built from validated names.
 */
export class HttpsKubernetesApi implements KubernetesApi {
  constructor(
    private readonly connection: () => Promise<KubernetesConnection>,
    private readonly timeoutMs: number,
  ) {}

  async mergePatch(path: string, body: unknown, signal?: AbortSignal): Promise<void> {
    const { server, token, caCertificate } = await this.connection();
    const url = new URL(server.href.replace(/\/+$/, '') + path);
    const text = JSON.stringify(body);
    const answer = await send(url, {
      method: 'PATCH',
      ca: caCertificate,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/merge-patch+json',
        Accept: 'application/json',
        'Content-Length': Buffer.byteLength(text),
      },
      body: text,
      timeoutMs: this.timeoutMs,
      ...(signal !== undefined && { signal }),
    });
    if (answer.status >= 200 && answer.status < 300) return;
    const status = statusObject(answer.body);
    const reason = status.reason ?? `HTTP ${answer.status}`;
    const message = status.message ? `: ${status.message}` : '';
    throw new KubernetesApiError(redact(`the Kubernetes API server answered ${answer.status} ${reason}${message}`).slice(0, MAX_MESSAGE), answer.status, reason);
  }
}

interface Sent {
  method: string;
  ca: string;
  headers: Record<string, string | number>;
  body: string;
  timeoutMs: number;
  /** The batch's budget: an abort ends the call at once. */
  signal?: AbortSignal;
}

function send(url: URL, sent: Sent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: sent.method, ca: sent.ca, rejectUnauthorized: true, headers: sent.headers, timeout: sent.timeoutMs, ...(sent.signal !== undefined && { signal: sent.signal }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new KubernetesApiError(`the Kubernetes API server did not answer within ${sent.timeoutMs} ms`)));
    req.on('error', (error) => reject(error instanceof KubernetesApiError ? error : new KubernetesApiError(`could not reach the Kubernetes API server (${(error as NodeJS.ErrnoException).code ?? error.name})`, undefined, undefined, { cause: error })));
    req.end(sent.body);
  });
}

/** The `reason` and `message` of a `kind: Status` answer, each one line and bounded. */
function statusObject(body: string): { reason?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
    // eslint-disable-next-line no-control-regex -- the server's text becomes one line of a finding
    const line = (value: unknown, max: number) => (typeof value === 'string' ? value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, max) : undefined);
    return { reason: line(parsed.reason, 64), message: line(parsed.message, 200) };
  } catch {
    return {};
  }
}
