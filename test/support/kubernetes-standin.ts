import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLocalCertificates, type LocalCertificates } from '../../cli/local/tls-certs';
import { readBody } from '../../cli/standins/http';

/**
 * A stand-in for the Kubernetes API server, for the refresh actions' tests: real HTTPS with a CA
 * made at test time, and each request checked as the API server checks it, in its order:
 * authentication (a bearer token it knows, else 401), authorization (RBAC: the token may patch
 * that resource in that namespace, and only patch, else 403), the path (a namespaced object of a
 * resource it serves, else 404), the content type (a patch type; strategic
 * merge only for built-in resources, else 415), the body (a JSON object; annotation values
 * strings, else 400/422), the object (else 404 "not found"), metadata.resourceVersion when the
 * patch names one (else 409 Conflict). Every refusal is a `kind: Status` object, as the server
 * sends it. It implements JSON merge patch (RFC 7386) only: a strategic merge patch it would
 * accept is answered 415 with a message saying so, so a test never passes on a patch it did
 * not really apply. It is not Kubernetes: keywarden's Kubernetes calls are tested against this
 * alone (README, "Refresh").
 */
export interface KubernetesStandin {
  /** `https://127.0.0.1:<port>` */
  server: string;
  certs: LocalCertificates;
  /** PEM of the CA that signed the server's certificate. */
  caCertificate: string;
  /** Every request received, in order (the token is kept only as valid/unknown). */
  requests: RecordedRequest[];
  /** An object as it is now, or undefined. */
  object(kind: StandinKind, namespace: string, name: string): StandinObject | undefined;
  /** Puts (or replaces) an object. */
  put(kind: StandinKind, namespace: string, name: string): StandinObject;
  /** A token and what it may patch: `<resource>` in `<namespace>` (`*` for every namespace). */
  grant(token: string, rules: Array<{ resource: StandinResource; namespace: string }>): void;
  /** Answers the next request that passes authentication with this status (a 409, a 500) instead of applying it. */
  failNext(status: number, reason: string): void;
  /** Answers every later request this much later (a slow or overloaded API server); 0 ends it. */
  answerAfter(ms: number): void;
  stop(): Promise<void>;
}

export type StandinKind = 'ExternalSecret' | 'Deployment';
export type StandinResource = 'externalsecrets' | 'deployments';

export interface StandinObject {
  apiVersion: string;
  kind: StandinKind;
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  authorization: 'none' | 'valid' | 'unknown';
  body: string;
  status: number;
}

/** What the stand-in serves: group/version → resource → kind, and whether strategic merge applies. */
const RESOURCES: Record<string, Partial<Record<StandinResource, { kind: StandinKind; builtIn: boolean }>>> = {
  'external-secrets.io/v1beta1': { externalsecrets: { kind: 'ExternalSecret', builtIn: false } },
  'external-secrets.io/v1': { externalsecrets: { kind: 'ExternalSecret', builtIn: false } },
  'apps/v1': { deployments: { kind: 'Deployment', builtIn: true } },
};
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const PATH = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/;

let madeCertificates: LocalCertificates | undefined;

/**
 * The stand-in's CA and server certificate (and the wrong CA), made once per test process: two
 * RSA keys cost openssl up to a second, and the stand-ins of one file can all present the same
 * ones, each still on a port of its own with its own objects, grants and requests.
 */
function standinCertificates(): LocalCertificates {
  if (!madeCertificates) {
    const dir = mkdtempSync(join(tmpdir(), 'kw-k8s-standin-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    madeCertificates = makeLocalCertificates(dir);
  }
  return madeCertificates;
}

/** Starts the stand-in on a free loopback port. */
export async function startKubernetesStandin(): Promise<KubernetesStandin> {
  const certs = standinCertificates();
  const objects = new Map<string, StandinObject>();
  const grants = new Map<string, Array<{ resource: StandinResource; namespace: string }>>();
  const requests: RecordedRequest[] = [];
  let fault: { status: number; reason: string } | undefined;
  let delayMs = 0;
  let version = 1;
  const key = (kind: StandinKind, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers['content-type'] !== undefined && { contentType: req.headers['content-type'] }),
      authorization: token === undefined ? 'none' : grants.has(token) ? 'valid' : 'unknown',
      body,
      status: 0,
    };
    requests.push(record);
    const answer = (status: number, payload: unknown) => {
      record.status = status;
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const fail = (status: number, reason: string, message: string, details?: Record<string, unknown>) =>
      answer(status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details && { details }), code: status });

    if (token === undefined || !grants.has(token)) return fail(401, 'Unauthorized', 'Unauthorized');
    // The API server authorizes before it looks anything up: RBAC sees the verb (PATCH is
    // "patch"; the grants here are patch-only, so any other verb is forbidden), the resource and
    // the namespace from the path, whether or not the object exists.
    const match = PATH.exec(new URL(req.url ?? '/', 'https://standin').pathname);
    if (!match) return fail(403, 'Forbidden', `forbidden: User "system:serviceaccount:keywarden:refresh" cannot ${verbOf(req.method)} path "${req.url ?? ''}"`);
    const [, group, apiVersion, namespace, resource, name] = match as unknown as [string, string, string, string, StandinResource, string];
    const allowed = req.method === 'PATCH' && grants.get(token)!.some((rule) => rule.resource === resource && (rule.namespace === '*' || rule.namespace === namespace));
    if (!allowed) {
      return fail(403, 'Forbidden', `${resource}.${group} "${name}" is forbidden: User "system:serviceaccount:keywarden:refresh" cannot ${verbOf(req.method)} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`, { name, group, kind: resource });
    }
    const served = RESOURCES[`${group}/${apiVersion}`]?.[resource];
    if (!served) return fail(404, 'NotFound', 'the server could not find the requested resource');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!PATCH_TYPES.includes(contentType) || (contentType === 'application/strategic-merge-patch+json' && !served.builtIn)) {
      return fail(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
    }
    if (contentType !== 'application/merge-patch+json') return fail(415, 'UnsupportedMediaType', `the stand-in implements application/merge-patch+json only (got ${contentType})`);
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch {
      return fail(400, 'BadRequest', 'error decoding patch: invalid character');
    }
    if (!isObject(patch)) return fail(400, 'BadRequest', 'error decoding patch: a merge patch must be a JSON object');
    const object = objects.get(key(served.kind, namespace, name));
    if (!object) return fail(404, 'NotFound', `${resource}.${group} "${name}" not found`, { name, group, kind: resource });
    if (fault) {
      const { status, reason } = fault;
      fault = undefined;
      return fail(status, reason, status === 409 ? `Operation cannot be fulfilled on ${resource}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again` : reason);
    }
    const wantedVersion = (patch.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (wantedVersion !== undefined && wantedVersion !== object.metadata.resourceVersion) {
      return fail(409, 'Conflict', `Operation cannot be fulfilled on ${resource}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const merged = mergePatch(object, patch) as StandinObject;
    const invalid = invalidAnnotations(merged);
    if (invalid) return fail(422, 'Invalid', `${served.kind}.${group} "${name}" is invalid: ${invalid}`);
    if (merged.metadata.name !== name || merged.metadata.namespace !== namespace || merged.kind !== served.kind) {
      return fail(400, 'BadRequest', 'the name, namespace or kind of the object cannot be changed by a patch');
    }
    merged.metadata.resourceVersion = String((version += 1));
    objects.set(key(served.kind, namespace, name), merged);
    return answer(200, merged);
  };

  const server: Server = createServer({ cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) }, (req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server: `https://127.0.0.1:${port}`,
    certs,
    caCertificate: readFileSync(certs.caFile, 'utf8'),
    requests,
    object: (kind, namespace, name) => structuredClone(objects.get(key(kind, namespace, name))),
    put: (kind, namespace, name) => {
      const object: StandinObject = {
        apiVersion: kind === 'Deployment' ? 'apps/v1' : 'external-secrets.io/v1beta1',
        kind,
        metadata: { name, namespace, resourceVersion: String((version += 1)) },
        spec: kind === 'Deployment' ? { replicas: 2, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'app:1' }] } } } : { refreshInterval: '1h', secretStoreRef: { name: 'aws', kind: 'ClusterSecretStore' } },
      };
      objects.set(key(kind, namespace, name), object);
      return structuredClone(object);
    },
    grant: (token, rules) => void grants.set(token, rules),
    failNext: (status, reason) => void (fault = { status, reason }),
    answerAfter: (ms) => void (delayMs = ms),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The RBAC verb of an HTTP method on one object. */
function verbOf(method: string | undefined): string {
  return ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete', POST: 'create' } as Record<string, string>)[method ?? ''] ?? 'unknown';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete out[name];
    else out[name] = mergePatch(out[name], value);
  }
  return out;
}

/** Annotation values must be strings (metadata and the pod template's metadata), as the API server validates. */
function invalidAnnotations(object: StandinObject): string | undefined {
  const template = (object.spec.template as { metadata?: { annotations?: unknown } } | undefined)?.metadata;
  for (const [where, annotations] of [['metadata.annotations', object.metadata.annotations], ['spec.template.metadata.annotations', template?.annotations]] as const) {
    if (annotations === undefined) continue;
    if (!isObject(annotations)) return `${where}: Invalid value: must be a map of strings`;
    for (const [name, value] of Object.entries(annotations)) if (typeof value !== 'string') return `${where}[${name}]: Invalid value: must be a string`;
  }
  return undefined;
}
