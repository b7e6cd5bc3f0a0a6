import { DatabaseError } from '../../errors';
import type { MysqlSession } from './mysql-client';

/**
 * What SHOW GRANTS says about one account, normalised so two accounts can be compared: object
 * privileges (per object, with GRANT OPTION), granted roles (with ADMIN OPTION) and MariaDB's
 * default role. Account properties that SHOW GRANTS mixes in (IDENTIFIED BY PASSWORD, REQUIRE,
 * resource limits) are not grants and are ignored, so a password hash never leaves this module.
 */
export interface AccountGrants {
  objects: Map<string, { privileges: Set<string>; grantOption: boolean }>;
  roles: Map<string, boolean>;
  defaultRole?: string;
}

/** An account: `'user'@'host'`. */
export interface Account {
  user: string;
  host: string;
}

/** Parses SHOW GRANTS lines (MySQL 5.7/8 and MariaDB). Lines it does not understand are refused. */
export function parseGrants(lines: readonly string[]): AccountGrants {
  const grants: AccountGrants = { objects: new Map(), roles: new Map() };
  for (const line of lines) {
    const tokens = tokenize(line);
    const upper = tokens.map((token) => token.toUpperCase());
    if (upper[0] === 'SET' && upper[1] === 'DEFAULT' && upper[2] === 'ROLE') {
      const forAt = upper.indexOf('FOR');
      const role = tokens.slice(3, forAt < 0 ? undefined : forAt).join(' ');
      if (role.toUpperCase() !== 'NONE') grants.defaultRole = role;
      continue;
    }
    if (upper[0] !== 'GRANT') throw new Error(`unexpected SHOW GRANTS line starting with ${tokens[0] ?? '(nothing)'}`);
    const on = upper.indexOf('ON');
    const to = upper.indexOf('TO');
    if (to < 0) throw new Error('SHOW GRANTS line without TO');
    const rest = upper.slice(to + 2).join(' ');
    if (on < 0 || on > to) {
      const admin = /\bWITH ADMIN OPTION\b/.test(rest);
      for (const role of splitList(tokens.slice(1, to))) grants.roles.set(role, admin);
      continue;
    }
    const object = tokens.slice(on + 1, to).join(' ');
    const privileges = splitList(tokens.slice(1, on)).map((p) => p.replace(/^ALL$/i, 'ALL PRIVILEGES'));
    const entry = grants.objects.get(object) ?? { privileges: new Set<string>(), grantOption: false };
    for (const privilege of privileges) if (privilege.toUpperCase() !== 'USAGE') entry.privileges.add(privilege);
    entry.grantOption ||= /\bWITH GRANT OPTION\b/.test(rest);
    if (entry.privileges.size > 0 || entry.grantOption) grants.objects.set(object, entry);
  }
  return grants;
}

/**
 * The statements that make `have` equal `want` for account `target`, revocations first: REVOKE
 * of one privilege after GRANT ALL PRIVILEGES would take it out of ALL again.
 */
export function grantChanges(want: AccountGrants, have: AccountGrants): Array<{ sql: string }> {
  const revokes: string[] = [];
  const grants: string[] = [];
  for (const [object, held] of have.objects) {
    const wanted = want.objects.get(object);
    const extra = [...held.privileges].filter((p) => !wanted?.privileges.has(p));
    if (extra.length > 0) revokes.push(`REVOKE ${extra.join(', ')} ON ${object} FROM ?@?`);
    if (held.grantOption && !wanted?.grantOption) revokes.push(`REVOKE GRANT OPTION ON ${object} FROM ?@?`);
  }
  for (const [object, wanted] of want.objects) {
    const held = have.objects.get(object);
    const missing = [...wanted.privileges].filter((p) => !held?.privileges.has(p));
    const needsOption = wanted.grantOption && !held?.grantOption;
    if (missing.length > 0 || needsOption) {
      grants.push(`GRANT ${missing.length > 0 ? missing.join(', ') : 'USAGE'} ON ${object} TO ?@?${needsOption ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  for (const [role, admin] of have.roles) {
    // An ADMIN OPTION the source lacks goes by revoking the role and granting it again, which
    // MySQL and MariaDB both accept (REVOKE ADMIN OPTION FOR is MariaDB's alone).
    if (!want.roles.has(role) || (admin && !want.roles.get(role))) revokes.push(`REVOKE ${role} FROM ?@?`);
  }
  for (const [role, admin] of want.roles) {
    const held = have.roles.get(role);
    if (held === undefined || (admin && !held) || (!admin && held)) grants.push(`GRANT ${role} TO ?@?${admin ? ' WITH ADMIN OPTION' : ''}`);
  }
  if (want.defaultRole !== have.defaultRole) grants.push(`SET DEFAULT ROLE ${want.defaultRole ?? 'NONE'} FOR ?@?`);
  return [...revokes, ...grants].map((sql) => ({ sql }));
}

/** Reads one account's grants. */
export async function readGrants(session: MysqlSession, account: Account): Promise<AccountGrants> {
  const rows = await session.query<Record<string, string>>('SHOW GRANTS FOR ?@?', [account.user, account.host], `reading the grants of ${describe(account)}`);
  return parseGrants(rows.map((row) => String(Object.values(row)[0] ?? '')));
}

/**
 * Makes `target`'s grants equal `source`'s (added and revoked), then reads them again: a master
 * without the right to grant something fails here rather than leaving the accounts apart.
 */
export async function syncMysqlGrants(session: MysqlSession, source: Account, target: Account): Promise<void> {
  const want = await readGrants(session, source);
  for (const { sql } of grantChanges(want, await readGrants(session, target))) {
    await session.query(sql, [target.user, target.host], `copying grants from ${describe(source)} to ${describe(target)}`);
  }
  const left = grantChanges(want, await readGrants(session, target));
  if (left.length > 0) {
    throw new DatabaseError(
      `mysql: ${session.user} could not make the grants of ${describe(target)} match ${describe(source)}; still needed: ` +
        left.slice(0, 5).map((change) => change.sql).join('; '),
      { kind: 'permission' },
    );
  }
}

/** `'user'@'host'` for messages. */
export function describe(account: Account): string {
  return `'${account.user}'@'${account.host}'`;
}

/**
 * Splits a line into words, keeping quoted names (`x`, 'x', "x") and parenthesised column lists
 * whole, and commas as separate tokens.
 */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const char = line[i]!;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === ',') {
      tokens.push(',');
      i += 1;
    } else {
      let j = i;
      let depth = 0;
      while (j < line.length) {
        const c = line[j]!;
        if (c === '`' || c === "'" || c === '"') {
          j = closingQuote(line, j);
        } else if (c === '(') {
          depth += 1;
          j += 1;
        } else if (c === ')') {
          depth -= 1;
          j += 1;
        } else if (depth === 0 && (/\s/.test(c) || c === ',')) {
          break;
        } else {
          j += 1;
        }
      }
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  // "SELECT (`a`, `b`)": a column list written after a space belongs to the privilege before it.
  return tokens.reduce<string[]>((out, token) => {
    if (token.startsWith('(') && out.length > 0 && out[out.length - 1] !== ',') out[out.length - 1] += ` ${token}`;
    else out.push(token);
    return out;
  }, []);
}

function closingQuote(line: string, start: number): number {
  const quote = line[start]!;
  let j = start + 1;
  while (j < line.length) {
    if (line[j] === quote) {
      if (line[j + 1] === quote) j += 2;
      else return j + 1;
    } else if (line[j] === '\\' && quote !== '`') {
      j += 2;
    } else {
      j += 1;
    }
  }
  return j;
}

/** Privileges or roles between commas: `SELECT, INSERT` → [SELECT, INSERT]; `ALL PRIVILEGES` stays whole. */
function splitList(tokens: string[]): string[] {
  const items: string[] = [];
  let current: string[] = [];
  for (const token of tokens) {
    if (token === ',') {
      if (current.length > 0) items.push(current.join(' '));
      current = [];
    } else {
      current.push(token);
    }
  }
  if (current.length > 0) items.push(current.join(' '));
  return items;
}
