import type { BindingFlags } from '../../shared/rotation/binding-proposal';

/**
 * The demo's secrets: two tenants and a shared scope of one app, named `<app>/<tenant>/<name>`
 * as keywarden expects, one of each generated kind (database credentials are in `db/`). Initial values hold no key material yet: the
 * first rotation generates it, as it would for a freshly created secret.
 */
export interface DemoSecret {
  name: string;
  strategy: string;
  value: Record<string, unknown>;
  tags?: Record<string, string>;
  /** For a database secret the demo rotates: its binding, as `keywarden bind` flags (`master` by name). */
  bind?: Omit<BindingFlags, 'masterArn'> & { master?: string };
  /** For a custom secret the demo rotates: its binding, as `keywarden bind --custom-function` flags. */
  custom?: { functionArn: string; user: string; alternating?: boolean };
}

/** The app every demo secret belongs to. */
export const DEMO_APP = 'multitenant-ai-poc';

/** The demo inventory. */
export const DEMO_SECRETS: readonly DemoSecret[] = [
  ...['tenant-1', 'tenant-2'].flatMap((tenant): DemoSecret[] => [
    { name: `${DEMO_APP}/${tenant}/service-password`, strategy: 'password', value: { username: `svc_${tenant.replace('-', '_')}` } },
    { name: `${DEMO_APP}/${tenant}/partner-api-key`, strategy: 'api-key', value: { partner: 'acme-payments' }, tags: { 'keywarden:api-key-prefix': 'kwdemo' } },
  ]),
  { name: `${DEMO_APP}/shared/jwt-signing-keys`, strategy: 'jwt-keyset', value: { issuer: 'https://auth.keywarden.test' }, tags: { 'keywarden:jwt-alg': 'ES256' } },
  { name: `${DEMO_APP}/shared/pii-encryption-keyring`, strategy: 'encryption-keyring', value: { purpose: 'pii-at-rest' } },
];
