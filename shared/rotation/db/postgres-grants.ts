import { DatabaseError } from '../../errors';
import { quoteIdent, type PostgresSession } from './postgres-client';

/**
 * Keeps the pending user's rights identical to the current user's in PostgreSQL: role
 * memberships (the shared owner role among them), the role attributes INHERIT, CREATEDB,
 * CONNECTION LIMIT and VALID UNTIL (SUPERUSER, CREATEROLE, REPLICATION and BYPASSRLS are only
 * ever taken away), and direct privileges on this database, its schemas, tables (and their
 * columns), views, sequences and routines. Missing rights are granted and extra ones revoked, then the two
 * users are compared again: a master that lacks the right to grant something fails the step
 * instead of leaving the users apart (PostgreSQL only warns about such a GRANT).
 */
export async function syncPostgresRights(session: PostgresSession, source: string, target: string): Promise<void> {
  const statements = [
    ...(await membershipChanges(session, source, target)),
    ...(await attributeChanges(session, source, target)),
    ...(await privilegeChanges(session, source, target)),
  ];
  for (const statement of statements) await session.query(statement, [], `copying rights from ${source} to ${target}`);
  const left = [
    ...(await membershipChanges(session, source, target)),
    ...(await attributeChanges(session, source, target)),
    ...(await privilegeChanges(session, source, target)),
  ];
  if (left.length > 0) {
    throw new DatabaseError(
      `postgres: ${session.user} could not make the rights of ${target} match ${source}; still needed: ${left.slice(0, 5).join('; ')}` +
        (left.length > 5 ? ` (and ${left.length - 5} more)` : ''),
      { kind: 'permission' },
    );
  }
  await warnAboutOwnedObjects(session, source);
}

interface Membership extends Record<string, unknown> {
  role: string;
  admin: boolean;
}

async function memberships(session: PostgresSession, member: string): Promise<Map<string, boolean>> {
  const rows = await session.query<Membership>(
    `SELECT r.rolname AS role, bool_or(m.admin_option) AS admin
       FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
      WHERE u.rolname = $1 GROUP BY r.rolname`,
    [member],
    `reading the role memberships of ${member}`,
  );
  return new Map(rows.map((row) => [row.role, row.admin]));
}

async function membershipChanges(session: PostgresSession, source: string, target: string): Promise<string[]> {
  const want = await memberships(session, source);
  const have = await memberships(session, target);
  const changes: string[] = [];
  for (const [role, admin] of want) {
    if (role === target) continue;
    if (!have.has(role) || (admin && !have.get(role))) {
      changes.push(`GRANT ${quoteIdent(role)} TO ${quoteIdent(target)}${admin ? ' WITH ADMIN OPTION' : ''}`);
    } else if (!admin && have.get(role)) {
      changes.push(`REVOKE ADMIN OPTION FOR ${quoteIdent(role)} FROM ${quoteIdent(target)}`);
    }
  }
  for (const role of have.keys()) {
    if (!want.has(role) && role !== source) changes.push(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(target)}`);
  }
  return changes;
}

interface Attributes extends Record<string, unknown> {
  rolname: string;
  rolinherit: boolean;
  rolcreatedb: boolean;
  rolconnlimit: number;
  validuntil: string;
  privileged: string[];
}

/**
 * The attributes that make a role privileged: the target is given none of them, whatever the
 * source has (a privileged source or target is refused before any change, see
 * postgres-privileges.ts; this keeps the copy from ever granting one).
 */
const PRIVILEGED_ATTRIBUTES = ['SUPERUSER', 'CREATEROLE', 'REPLICATION', 'BYPASSRLS'];

async function attributeChanges(session: PostgresSession, source: string, target: string): Promise<string[]> {
  const rows = await session.query<Attributes>(
    `SELECT rolname, rolinherit, rolcreatedb, rolconnlimit, COALESCE(rolvaliduntil::text, 'infinity') AS validuntil,
            array_remove(ARRAY[CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolcreaterole THEN 'CREATEROLE' END,
                               CASE WHEN rolreplication THEN 'REPLICATION' END, CASE WHEN rolbypassrls THEN 'BYPASSRLS' END], NULL) AS privileged
       FROM pg_roles WHERE rolname = ANY($1)`,
    [[source, target]],
    `reading the attributes of ${source} and ${target}`,
  );
  const want = rows.find((row) => row.rolname === source);
  const have = rows.find((row) => row.rolname === target);
  if (!want || !have) return [];
  const flags: string[] = PRIVILEGED_ATTRIBUTES.filter((attribute) => have.privileged.includes(attribute)).map((attribute) => `NO${attribute}`);
  if (want.rolinherit !== have.rolinherit) flags.push(want.rolinherit ? 'INHERIT' : 'NOINHERIT');
  if (want.rolcreatedb !== have.rolcreatedb) flags.push(want.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB');
  if (want.rolconnlimit !== have.rolconnlimit) flags.push(`CONNECTION LIMIT ${Number(want.rolconnlimit)}`);
  if (want.validuntil !== have.validuntil) flags.push(`VALID UNTIL '${want.validuntil.replace(/'/g, "''")}'`);
  return flags.length > 0 ? [`ALTER ROLE ${quoteIdent(target)} WITH ${flags.join(' ')}`] : [];
}

interface Privilege extends Record<string, unknown> {
  kind: string;
  object: string;
  privilege: string;
  grantable: boolean;
  grantee: string;
}

/**
 * Direct privileges of both users on objects of the connected database, column privileges as
 * `SELECT ("col")` on their table. Object and column names come from the server (regclass,
 * regprocedure, quote_ident), already quoted for reuse in GRANT.
 */
const PRIVILEGES_SQL = `
  WITH objects AS (
    SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, c.oid::regclass::text AS object, c.relacl AS acl, NULL::text AS col
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S') AND c.relacl IS NOT NULL
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    UNION ALL
    SELECT 'TABLE', c.oid::regclass::text, a.attacl, quote_ident(a.attname) FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    UNION ALL
    SELECT 'SCHEMA', quote_ident(n.nspname), n.nspacl, NULL FROM pg_namespace n
     WHERE n.nspacl IS NOT NULL AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    UNION ALL
    SELECT 'DATABASE', quote_ident(d.datname), d.datacl, NULL FROM pg_database d
     WHERE d.datname = current_database() AND d.datacl IS NOT NULL
    UNION ALL
    SELECT 'ROUTINE', p.oid::regprocedure::text, p.proacl, NULL FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proacl IS NOT NULL AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  )
  SELECT o.kind, o.object, CASE WHEN o.col IS NULL THEN a.privilege_type ELSE a.privilege_type || ' (' || o.col || ')' END AS privilege,
         a.is_grantable AS grantable, r.rolname AS grantee
    FROM objects o CROSS JOIN LATERAL aclexplode(o.acl) a JOIN pg_roles r ON r.oid = a.grantee
   WHERE r.rolname = ANY($1)`;

async function privilegeChanges(session: PostgresSession, source: string, target: string): Promise<string[]> {
  const rows = await session.query<Privilege>(PRIVILEGES_SQL, [[source, target]], `reading the privileges of ${source} and ${target}`);
  const key = (row: Privilege) => `${row.kind} ${row.object}|${row.privilege}`;
  const want = new Map(rows.filter((row) => row.grantee === source).map((row) => [key(row), row]));
  const have = new Map(rows.filter((row) => row.grantee === target).map((row) => [key(row), row]));
  const to = quoteIdent(target);
  const changes: string[] = [];
  for (const [k, row] of want) {
    const held = have.get(k);
    if (!held || (row.grantable && !held.grantable)) {
      changes.push(`GRANT ${row.privilege} ON ${row.kind} ${row.object} TO ${to}${row.grantable ? ' WITH GRANT OPTION' : ''}`);
    } else if (!row.grantable && held.grantable) {
      changes.push(`REVOKE GRANT OPTION FOR ${row.privilege} ON ${row.kind} ${row.object} FROM ${to}`);
    }
  }
  for (const [k, row] of have) {
    if (!want.has(k)) changes.push(`REVOKE ${row.privilege} ON ${row.kind} ${row.object} FROM ${to}`);
  }
  return changes;
}

/**
 * Objects owned by a user itself are the grant drift alternating users cannot fix: only the owner
 * may drop or alter them, so the other user loses that ability every other rotation. The fix is
 * a shared owner role (see docs/rotation-databases.md); this only says so.
 */
async function warnAboutOwnedObjects(session: PostgresSession, user: string): Promise<void> {
  const [row] = await session.query<{ owned: string }>(
    `SELECT count(*)::text AS owned FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
      WHERE r.rolname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S')`,
    [user],
    `counting the objects ${user} owns`,
  );
  if (row && row.owned !== '0') {
    session.log.warn('a rotated user owns objects directly; give them to a shared owner role', { user, ownedObjects: Number(row.owned) });
  }
}
