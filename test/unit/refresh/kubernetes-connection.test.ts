import { afterEach, describe, expect, it } from 'vitest';
import { parseKubernetesConnection } from '../../../shared/refresh/kubernetes-connection';
import { forgetSecrets, redact } from '../../../shared/redact';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.service-account-token';
const parse = (value: Record<string, unknown>) => parseKubernetesConnection(JSON.stringify(value), 'keywarden/ci/kubernetes-connection');

afterEach(() => forgetSecrets());

describe('the Kubernetes connection secret', () => {
  it('reads server, token and CA, and remembers the token for redaction', () => {
    const connection = parse({ server: 'https://k8s.internal:6443/', token: TOKEN, caCertificate: CA });
    expect(connection.server.host).toBe('k8s.internal:6443');
    expect(redact(`Bearer ${TOKEN}`)).not.toContain(TOKEN);
  });

  it.each([
    ['http://k8s.internal', /must be https/],
    ['https://user:pw@k8s.internal', /no user, query or fragment/],
    ['https://k8s.internal/?x=1', /no user, query or fragment/],
    ['k8s.internal', /https:\/\/ URL/],
  ])('attack: server %s is refused', (server, message) => {
    expect(() => parse({ server, token: TOKEN, caCertificate: CA })).toThrow(message);
  });

  it('attack: a token with a line break (a header injection) is refused, and the error does not show it', () => {
    const token = 'abc12345\r\nX-Injected: 1';
    let message = '';
    try {
      parse({ server: 'https://k8s.internal', token, caCertificate: CA });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/token must be a bearer token/);
    expect(message).not.toContain('abc12345');
  });

  it('refuses a missing CA and a value that is not JSON, naming the field only', () => {
    expect(() => parse({ server: 'https://k8s.internal', token: TOKEN })).toThrow(/caCertificate/);
    expect(() => parseKubernetesConnection('not json', 's')).toThrow(/not JSON/);
  });
});
