// The driver's Client class alone: `pg`'s index also loads its pool and native bindings, which a
// rotation never uses and which cost bundle size.
declare module 'pg/lib/client' {
  import type { Client } from 'pg';
  const ClientClass: typeof Client;
  export default ClientClass;
}
