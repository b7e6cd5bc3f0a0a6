import { describe, expect, it } from 'vitest';
import { grantChanges, parseGrants } from '../../../../shared/rotation/db/mysql-grants';
import { listsDualPasswordPrivilege } from '../../../../shared/rotation/db/mysql-engine';

describe('parseGrants', () => {
  it('reads MariaDB and MySQL SHOW GRANTS lines, ignoring the password hash and account properties', () => {
    const grants = parseGrants([
      "GRANT USAGE ON *.* TO `app`@`10.0.%` IDENTIFIED BY PASSWORD '*0123456789ABCDEF0123456789ABCDEF01234567'",
      'GRANT SELECT, INSERT ON `orders`.* TO `app`@`10.0.%` WITH GRANT OPTION',
      'GRANT SELECT (`id`, `total`), UPDATE (`total`) ON `orders`.`invoice` TO `app`@`10.0.%`',
      'GRANT EXECUTE ON PROCEDURE `orders`.`close_day` TO `app`@`10.0.%`',
      'GRANT `reporting`,`auditor` TO `app`@`10.0.%` WITH ADMIN OPTION',
      'SET DEFAULT ROLE `reporting` FOR `app`@`10.0.%`',
    ]);
    expect([...grants.objects.keys()]).toEqual(['`orders`.*', '`orders`.`invoice`', 'PROCEDURE `orders`.`close_day`']);
    expect(grants.objects.get('`orders`.*')).toEqual({ privileges: new Set(['SELECT', 'INSERT']), grantOption: true });
    expect(grants.objects.get('`orders`.`invoice`')!.privileges).toEqual(new Set(['SELECT (`id`, `total`)', 'UPDATE (`total`)']));
    expect(grants.roles).toEqual(new Map([['`reporting`', true], ['`auditor`', true]]));
    expect(grants.defaultRole).toBe('`reporting`');
    expect(JSON.stringify([...grants.objects.values()].map((v) => [...v.privileges]))).not.toContain('*0123');
  });

  it('refuses a line it does not understand', () => {
    expect(() => parseGrants(['REVOKE x'])).toThrow(/unexpected SHOW GRANTS line/);
  });
});

describe('grantChanges', () => {
  it('revokes what the target has beyond the source first, then grants what it lacks', () => {
    const want = parseGrants(['GRANT ALL PRIVILEGES ON `orders`.* TO `a`@`%`', 'GRANT `reporting` TO `a`@`%`']);
    const have = parseGrants(['GRANT SELECT, DELETE ON `orders`.* TO `b`@`%` WITH GRANT OPTION', 'GRANT UPDATE ON `hr`.* TO `b`@`%`', 'GRANT `admin` TO `b`@`%`']);
    expect(grantChanges(want, have).map((c) => c.sql)).toEqual([
      'REVOKE SELECT, DELETE ON `orders`.* FROM ?@?',
      'REVOKE GRANT OPTION ON `orders`.* FROM ?@?',
      'REVOKE UPDATE ON `hr`.* FROM ?@?',
      'REVOKE `admin` FROM ?@?',
      'GRANT ALL PRIVILEGES ON `orders`.* TO ?@?',
      'GRANT `reporting` TO ?@?',
    ]);
  });

  it('is empty when the accounts match, whatever the account names', () => {
    const lines = (user: string) => [`GRANT SELECT ON \`orders\`.* TO \`${user}\`@\`%\``, `GRANT \`r\` TO \`${user}\`@\`%\``];
    expect(grantChanges(parseGrants(lines('app')), parseGrants(lines('app_clone')))).toEqual([]);
  });

  it('adds a missing grant option on its own and sets the default role', () => {
    const want = parseGrants(['GRANT SELECT ON `o`.* TO `a`@`%` WITH GRANT OPTION', 'SET DEFAULT ROLE `r` FOR `a`@`%`']);
    const have = parseGrants(['GRANT SELECT ON `o`.* TO `b`@`%`']);
    expect(grantChanges(want, have).map((c) => c.sql)).toEqual(['GRANT USAGE ON `o`.* TO ?@? WITH GRANT OPTION', 'SET DEFAULT ROLE `r` FOR ?@?']);
  });
});

describe('listsDualPasswordPrivilege', () => {
  it('is true where SHOW PRIVILEGES lists APPLICATION_PASSWORD_ADMIN (MySQL 8.0.14+), false for MariaDB\'s list', () => {
    const mysql8 = [{ Privilege: 'Alter', Context: 'Tables' }, { Privilege: 'APPLICATION_PASSWORD_ADMIN', Context: 'Server Admin' }];
    const mariadb = [{ Privilege: 'Alter', Context: 'Tables' }, { Privilege: 'Create user', Context: 'Server Admin' }, { Privilege: 'Connection admin', Context: 'Server' }];
    expect(listsDualPasswordPrivilege(mysql8)).toBe(true);
    expect(listsDualPasswordPrivilege(mariadb)).toBe(false);
  });
});
