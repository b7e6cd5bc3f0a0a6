import { describe, expect, it } from 'vitest';
import { RotationRefusedError } from '../../../../shared/errors';
import { grantChanges, parseGrants } from '../../../../shared/rotation/db/mysql-grants';
import { parseRoleName, privilegedGrants, reachesMysqlSchema } from '../../../../shared/rotation/db/mysql-privileges';
import { privilegedTargetError, refusePrivilegedUsers } from '../../../../shared/rotation/db/privileged-target';
import { rulesGrantAdmin } from '../../../../shared/rotation/db/redis-privileges';

describe('privilegedGrants (MySQL/MariaDB SHOW GRANTS)', () => {
  const of = (...lines: string[]) => privilegedGrants(parseGrants(lines));

  it('finds nothing in an application account: database-level privileges, a plain role, harmless global ones', () => {
    expect(of(
      "GRANT SHOW DATABASES, CREATE TEMPORARY TABLES ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*0123'",
      'GRANT SELECT, INSERT ON `orders`.* TO `app`@`%` WITH GRANT OPTION',
      'GRANT `reporting` TO `app`@`%`',
    )).toEqual([]);
  });

  it('refuses administrative and data privileges on *.*, and GRANT OPTION there', () => {
    expect(of('GRANT SUPER, FILE ON *.* TO `a`@`%`')).toEqual(['holds SUPER, FILE on *.*']);
    expect(of('GRANT SELECT ON *.* TO `a`@`%`')).toEqual(['holds SELECT on *.*']);
    expect(of('GRANT ALL PRIVILEGES ON *.* TO `a`@`%` WITH GRANT OPTION')).toEqual(['holds ALL PRIVILEGES on *.*', 'holds GRANT OPTION on *.*']);
    expect(of('GRANT USAGE ON *.* TO `a`@`%` WITH GRANT OPTION')).toEqual(['holds GRANT OPTION on *.*']);
  });

  it('refuses anything in the mysql schema, through a wildcard database name too, but not a look-alike', () => {
    expect(of('GRANT SELECT ON `mysql`.`user` TO `a`@`%`')[0]).toMatch(/holds SELECT on `mysql`.`user`, in the mysql schema/);
    expect(of('GRANT EXECUTE ON PROCEDURE `mysql`.`p` TO `a`@`%`')).toHaveLength(1);
    expect(reachesMysqlSchema('`%`.*')).toBe(true);
    expect(reachesMysqlSchema('`mys_l`.*')).toBe(true);
    expect(reachesMysqlSchema('`mys\\_l`.*')).toBe(false);
    expect(reachesMysqlSchema('`mysql_app`.*')).toBe(false);
    expect(reachesMysqlSchema('`orders`.`mysql`')).toBe(false);
  });

  it('refuses a role held WITH ADMIN OPTION and PROXY', () => {
    expect(of('GRANT `r` TO `a`@`%` WITH ADMIN OPTION')).toEqual(['holds role `r` WITH ADMIN OPTION (it may grant the role to anyone)']);
    expect(of("GRANT PROXY ON 'root'@'localhost' TO `a`@`%`")[0]).toMatch(/^may log in as another account \(PROXY ON/);
  });

  it('reads role names as MariaDB and MySQL print them', () => {
    expect(parseRoleName('`rep``orting`')).toEqual({ user: 'rep`orting', host: '' });
    expect(parseRoleName('`r`@`%`')).toEqual({ user: 'r', host: '%' });
  });
});

describe('grantChanges and ADMIN OPTION', () => {
  it('takes away an ADMIN OPTION the source lacks, by revoking and granting the role again', () => {
    const want = parseGrants(['GRANT `r` TO `a`@`%`']);
    const have = parseGrants(['GRANT `r` TO `b`@`%` WITH ADMIN OPTION']);
    expect(grantChanges(want, have).map((c) => c.sql)).toEqual(['REVOKE `r` FROM ?@?', 'GRANT `r` TO ?@?']);
  });
});

describe('rulesGrantAdmin (Redis without ACL DRYRUN)', () => {
  it('counts categories and administrative commands, not ordinary ones', () => {
    expect(rulesGrantAdmin(['on', '-@all', '+get', '+set', '+ping'])).toEqual([]);
    expect(rulesGrantAdmin(['+@read', '+@write'])).toEqual([]);
    expect(rulesGrantAdmin(['+@all'])).toHaveLength(1);
    expect(rulesGrantAdmin(['allcommands'])).toHaveLength(1);
    expect(rulesGrantAdmin(['-@all', '+config|get'])[0]).toContain('+config|get');
    expect(rulesGrantAdmin(['-@all', '+ACL'])[0]).toContain('+ACL');
  });
});

describe('refusePrivilegedUsers', () => {
  it('refuses the first privileged user with the rule, the field, and a bounded, quoted name', async () => {
    const hostile = `x${'\n'.repeat(3)}${'a'.repeat(500)}`;
    const refusal = refusePrivilegedUsers('db/app', 'postgres', ['app_clone', hostile], async (user) => (user === 'app_clone' ? [] : ['has SUPERUSER']));
    await expect(refusal).rejects.toBeInstanceOf(RotationRefusedError);
    const error = (await refusal.catch((e: unknown) => e)) as RotationRefusedError;
    expect(error).toMatchObject({ rule: 'rotation.privileged-target', field: 'username' });
    expect(error.message).toMatch(/^secret db\/app: refused \(rotation\.privileged-target\): field "username" leads the master to postgres user "x\\n\\n\\na+…", which the server reports as privileged: has SUPERUSER\./);
    expect(error.message.length).toBeLessThan(400);
  });

  it('lists at most three reasons', () => {
    expect(privilegedTargetError('s', 'mysql', 'u', ['a', 'b', 'c', 'd', 'e']).message).toContain('privileged: a; b; c; and 2 more.');
  });

  it('passes users with no reasons', async () => {
    await expect(refusePrivilegedUsers('s', 'redis', ['app'], async () => [])).resolves.toBeUndefined();
  });
});
