import { ConfigError } from '../errors';
import { rememberSecret } from '../redact';

/**
 * Where the Kubernetes API server is and how to prove who keywarden is to it. Only from the
 * Secrets Manager secret named by KEYWARDEN_REFRESH_K8S_SECRET, which an administrator writes:
 * never from a tag, so a tag cannot send the token to a server of an attacker's choosing.
 * `{"server": "https://...", "token": "<service account token>", "caCertificate": "-----BEGIN CERTIFICATE-----..."}`
 */
export interface KubernetesConnection {
  /** `https://host[:port]` and an optional path prefix (a proxy such as Rancher's); never http. */
  server: URL;
  token: string;
  /** PEM: the CA that signed the API server's certificate; the server is verified against it only. */
  caCertificate: string;
}

const MAX_TOKEN = 16_384;

/**
 * Parses the secret's value. Remembers the token first, so no log or error that might quote it
 * can show it. Throws a ConfigError naming the field (never its value).
 */
export function parseKubernetesConnection(value: string, secretName: string): KubernetesConnection {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new ConfigError(`the Kubernetes connection secret ${secretName} is not JSON`);
  }
  const fields = (raw ?? {}) as Record<string, unknown>;
  if (typeof fields.token === 'string') rememberSecret(fields.token);
  const bad = (field: string, why: string) => new ConfigError(`the Kubernetes connection secret ${secretName}: ${field} ${why}`);
  // eslint-disable-next-line no-control-regex -- a header value must hold no control character
  if (typeof fields.token !== 'string' || fields.token.length === 0 || fields.token.length > MAX_TOKEN || /[\s\u0000-\u001f\u007f]/.test(fields.token)) {
    throw bad('token', 'must be a bearer token (no spaces or control characters)');
  }
  if (typeof fields.caCertificate !== 'string' || !fields.caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
    throw bad('caCertificate', 'must be the API server\'s CA certificate in PEM');
  }
  return { server: serverUrl(fields.server, bad), token: fields.token, caCertificate: fields.caCertificate };
}

function serverUrl(value: unknown, bad: (field: string, why: string) => Error): URL {
  if (typeof value !== 'string') throw bad('server', 'must be an https:// URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('server', 'must be an https:// URL');
  }
  if (url.protocol !== 'https:') throw bad('server', 'must be https:// (the token is never sent in the clear)');
  if (url.username || url.password || url.search || url.hash) throw bad('server', 'must carry no user, query or fragment');
  return url;
}
