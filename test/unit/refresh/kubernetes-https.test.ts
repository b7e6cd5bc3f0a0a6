import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLocalCertificates } from '../../../cli/local/tls-certs';
import { readBody } from '../../../cli/standins/http';
import { refreshFailedFinding } from '../../../shared/refresh/findings';
import { HttpsKubernetesApi } from '../../../shared/refresh/kubernetes-https';
import { parseKubernetesConnection } from '../../../shared/refresh/kubernetes-connection';
import { forgetSecrets } from '../../../shared/redact';

const TOKEN = 'sa-token-QmFzZTY0LWxvb2tpbmc-hostile';
const dir = mkdtempSync(join(tmpdir(), 'kw-k8s-hostile-'));
const certs = makeLocalCertificates(dir);
let server: ReturnType<typeof createServer>;
let url = '';
const seen: string[] = [];

// A hostile API server: it answers 403 with the bearer token it was sent quoted in its Status
// message, with a line break and an escape sequence, and a body longer than any Status.
beforeAll(async () => {
  server = createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, (req, res) => {
    void readBody(req).then((body) => {
      seen.push(body);
      const message = `token ${req.headers.authorization} rejected\n\u001b[31m${'x'.repeat(10_000)}`;
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  forgetSecrets();
});

describe('the Kubernetes API over HTTPS', () => {
  it('attack: a server quoting the token in its Status message gets it redacted, on one bounded line, in the error and the finding', async () => {
    const connection = parseKubernetesConnection(JSON.stringify({ server: url, token: TOKEN, caCertificate: readFileSync(certs.caFile, 'utf8') }), 'conn');
    const api = new HttpsKubernetesApi(async () => connection, 5_000);
    const error = (await api.mergePatch('/apis/apps/v1/namespaces/payments/deployments/api', { spec: {} }).then(() => undefined, (e: unknown) => e)) as Error & { status?: number };
    expect(error).toMatchObject({ name: 'KubernetesApiError', status: 403, reason: 'Forbidden' });
    expect(error.message).not.toContain(TOKEN);
    expect(error.message.length).toBeLessThanOrEqual(300);
    const finding = refreshFailedFinding({ secret: { name: 's' }, versionId: 'v', action: 'k8s-rollout-restart', target: 'payments/api', tag: 'keywarden:refresh-deployments', observedAt: new Date() }, error);
    expect(JSON.stringify(finding)).not.toContain(TOKEN);
    expect(String(finding.evidence.error).includes('\n') || String(finding.evidence.error).includes('\u001b')).toBe(false);
    expect(finding.evidence.httpStatus).toBe(403);
    expect(seen).toEqual(['{"spec":{}}']);
  });
});
