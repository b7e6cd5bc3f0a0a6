import type { PostgresSession } from './postgres-client';

/**
 * Roles whose membership (direct, inherited, or through a role one may SET ROLE to) makes a user
 * privileged, with why. A user of a rotated secret never needs any of them; the master may.
 */
export const PRIVILEGED_POSTGRES_ROLES: Readonly<Record<string, string>> = {
  rds_superuser: 'Amazon RDS/Aurora administrator group: creates roles, grants anything it holds',
  rds_replication: 'Amazon RDS logical replication: streams every change of every table',
  rds_password: 'Amazon RDS: may change the passwords of other roles when password commands are restricted',
  azure_pg_admin: 'Azure Database for PostgreSQL administrator group',
  cloudsqlsuperuser: 'Google Cloud SQL administrator group',
  alloydbsuperuser: 'Google AlloyDB administrator group',
  pg_execute_server_program: 'runs programs on the database server as its operating-system user (COPY … PROGRAM): superuser in effect',
  pg_write_server_files: 'writes files on the database server (COPY … TO a file): can overwrite its configuration',
  pg_read_server_files: 'reads any file the server can (its keys, pg_hba.conf, other databases\' files)',
  pg_signal_backend: 'cancels and terminates other roles\' sessions',
  pg_read_all_data: 'reads every table of every schema, whatever the grants',
  pg_write_all_data: 'writes every table of every schema, whatever the grants',
};

/**
 * Why `user` must not be a target of the master's changes, asked of the server (empty: it may):
 * the master's own login (`session_user`); a member of the master role (it may act as the
 * master); a role the master draws rights from (the master inherits it or may SET ROLE to it);
 * a role that is, or may become, one with SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS; one
 * holding ADMIN OPTION on any role membership (it may grant roles, itself included); or a member
 * of a role in {@link PRIVILEGED_POSTGRES_ROLES}. "May become" is `pg_has_role(…, 'MEMBER')`:
 * every role reached through memberships, whatever their INHERIT and SET options, because a
 * membership with ADMIN OPTION alone lets a role grant itself the rest.
 */
export async function postgresPrivilegesOf(session: PostgresSession, user: string): Promise<string[]> {
  const [version] = await session.query<{ num: string }>("SELECT current_setting('server_version_num') AS num", [], 'reading the server version');
  // PostgreSQL 16 lets a membership carry ADMIN alone (what CREATEROLE's creator gets by
  // default), which neither passes rights nor allows SET ROLE: that is not the master drawing on
  // the role. Before 16 every membership allows SET ROLE.
  const masterDraws = Number(version?.num) >= 160000
    ? "(pg_has_role(m.oid, t.oid, 'USAGE') OR pg_has_role(m.oid, t.oid, 'SET'))"
    : "pg_has_role(m.oid, t.oid, 'MEMBER')";
  const rows = await session.query<{ reason: string }>(privilegesSql(masterDraws), [user, Object.keys(PRIVILEGED_POSTGRES_ROLES)], `checking whether ${user} is privileged`);
  return rows.map((row) => explain(row.reason));
}

/** Adds the documented why to a membership reason (`member of <role>`). */
function explain(reason: string): string {
  const role = /^is a member of (\S+)$/.exec(reason)?.[1];
  const why = role ? PRIVILEGED_POSTGRES_ROLES[role] : undefined;
  return why ? `${reason} (${why})` : reason;
}

/**
 * One statement, one row per reason. `reach` is every role the target is or may become
 * (pg_has_role MEMBER is reflexive and transitive). Role names in the reasons come from the
 * server's catalog, so they are at most 63 characters.
 */
function privilegesSql(masterDraws: string): string {
  return `
  WITH t AS (SELECT oid, rolname FROM pg_roles WHERE rolname = $1),
       m AS (SELECT oid, rolname FROM pg_roles WHERE rolname = session_user),
       reach AS (SELECT r.* FROM pg_roles r, t WHERE pg_has_role(t.oid, r.oid, 'MEMBER'))
  SELECT 'is the master''s own login' AS reason FROM t, m WHERE t.oid = m.oid
  UNION ALL
  SELECT 'is a member of the master role ' || quote_ident(m.rolname) || ' (it may act as the master)'
    FROM t, m WHERE t.oid <> m.oid AND pg_has_role(t.oid, m.oid, 'MEMBER')
  UNION ALL
  SELECT 'is a role the master ' || quote_ident(m.rolname) || ' is a member of (the master draws rights from it)'
    FROM t, m WHERE t.oid <> m.oid AND ${masterDraws}
  UNION ALL
  SELECT CASE WHEN r.oid = t.oid THEN 'has ' ELSE 'may act as ' || quote_ident(r.rolname) || ', which has ' END || a.attribute
    FROM reach r CROSS JOIN t
    CROSS JOIN LATERAL (VALUES ('SUPERUSER', r.rolsuper), ('CREATEROLE', r.rolcreaterole),
                               ('REPLICATION', r.rolreplication), ('BYPASSRLS', r.rolbypassrls)) AS a(attribute, held)
   WHERE a.held
  UNION ALL
  SELECT 'holds ADMIN OPTION on role ' || quote_ident(g.rolname)
         || CASE WHEN r.oid = t.oid THEN '' ELSE ' through ' || quote_ident(r.rolname) END || ' (it may grant roles, itself included)'
    FROM pg_auth_members am JOIN reach r ON r.oid = am.member JOIN pg_roles g ON g.oid = am.roleid CROSS JOIN t
   WHERE am.admin_option
  UNION ALL
  SELECT 'is a member of ' || r.rolname FROM reach r WHERE r.rolname = ANY($2)`;
}
