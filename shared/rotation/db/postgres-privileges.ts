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
 * holding ADMIN OPTION on any role membership (it may grant roles, itself included); a member
 * of a role in {@link PRIVILEGED_POSTGRES_ROLES}; or one granted a right on a system catalog
 * function or table that PUBLIC lacks (pg_read_file, pg_authid…), other than through those
 * predefined roles. "May become" is `pg_has_role(…, 'MEMBER')`:
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
 * (pg_has_role MEMBER is reflexive and transitive); a superuser is a member of every role, so for
 * one only its own SUPERUSER is reported. Role names in the reasons come from the
 * server's catalog, so they are at most 63 characters.
 */
function privilegesSql(masterDraws: string): string {
  return `
  WITH t AS (SELECT oid, rolname, rolsuper FROM pg_roles WHERE rolname = $1),
       m AS (SELECT oid, rolname FROM pg_roles WHERE rolname = session_user),
       reach AS (SELECT r.* FROM pg_roles r, t WHERE r.oid = t.oid OR (NOT t.rolsuper AND pg_has_role(t.oid, r.oid, 'MEMBER')))
  SELECT 'is the master''s own login' AS reason FROM t, m WHERE t.oid = m.oid
  UNION ALL
  SELECT 'is a member of the master role ' || quote_ident(m.rolname) || ' (it may act as the master)'
    FROM t, m WHERE t.oid <> m.oid AND NOT t.rolsuper AND pg_has_role(t.oid, m.oid, 'MEMBER')
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
  SELECT 'is a member of ' || r.rolname FROM reach r WHERE r.rolname = ANY($2)
  UNION ALL
  SELECT 'holds ' || a.privilege_type || ' on ' || o.name
         || CASE WHEN r.oid = t.oid THEN '' ELSE ' through ' || quote_ident(r.rolname) END || ' (a system catalog object PUBLIC may not use)'
    FROM (SELECT p.oid::regprocedure::text AS name, p.proacl AS acl FROM pg_proc p
           WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proacl IS NOT NULL
          UNION ALL
          SELECT c.oid::regclass::text, c.relacl FROM pg_class c
           WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relacl IS NOT NULL) o
    CROSS JOIN LATERAL aclexplode(o.acl) a JOIN reach r ON r.oid = a.grantee CROSS JOIN t
   WHERE r.rolname NOT LIKE 'pg\\_%'`;
}

/**
 * Rights `target` holds that `source` lacks and that the grant copy neither copies nor revokes:
 * privileges on other databases and their objects, tablespaces, parameters, types, languages,
 * foreign servers, large objects (everything pg_shdepend records as an ACL entry naming the role,
 * outside what postgres-grants.ts keeps identical: this database and its schemas, tables,
 * columns, sequences and routines). A pre-existing clone with such rights would hand them to
 * whoever reads the secret; it is refused, not fixed (the copy cannot see into other databases).
 */
export async function postgresExtraRightsOf(session: PostgresSession, target: string, source: string): Promise<string[]> {
  const rows = await session.query<{ object: string }>(EXTRA_RIGHTS_SQL, [target, source], `comparing the rights of ${target} and ${source}`);
  if (rows.length === 0) return [];
  const listed = rows.slice(0, 3).map((row) => row.object).join(', ') + (rows.length > 3 ? ` and ${rows.length - 3} more` : '');
  return [`holds privileges ${quoteName(source)} lacks, which keywarden neither copies nor revokes: ${listed}`];
}

function quoteName(name: string): string {
  return JSON.stringify(name.slice(0, 63));
}

const EXTRA_RIGHTS_SQL = `
  WITH t AS (SELECT oid FROM pg_roles WHERE rolname = $1),
       s AS (SELECT oid FROM pg_roles WHERE rolname = $2),
       here AS (SELECT oid FROM pg_database WHERE datname = current_database())
  SELECT DISTINCT CASE WHEN d.dbid IN (0, here.oid) THEN pg_describe_object(d.classid, d.objid, d.objsubid)
                       ELSE 'an object in database ' || quote_ident(db.datname) END AS object
    FROM pg_shdepend d CROSS JOIN t CROSS JOIN here LEFT JOIN pg_database db ON db.oid = d.dbid
   WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = t.oid AND d.deptype = 'a'
     AND NOT (d.dbid = here.oid AND d.classid IN ('pg_class'::regclass, 'pg_namespace'::regclass, 'pg_proc'::regclass))
     AND NOT (d.dbid = 0 AND d.classid = 'pg_database'::regclass AND d.objid = here.oid)
     AND NOT EXISTS (SELECT 1 FROM pg_shdepend o CROSS JOIN s
                      WHERE o.refclassid = d.refclassid AND o.refobjid = s.oid AND o.deptype = 'a' AND o.dbid = d.dbid
                        AND o.classid = d.classid AND o.objid = d.objid AND o.objsubid = d.objsubid)
   ORDER BY 1`;
