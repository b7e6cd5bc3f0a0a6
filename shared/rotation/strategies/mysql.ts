import { alternatingUsersStrategy } from '../db/alternating-users';
import { byRotationMode } from '../db/rotation-mode';
import { mysqlEngine } from '../db/mysql-engine';
import { singleUserStrategy } from '../db/single-user';

/**
 * MySQL and MariaDB (`"engine": "mysql"` or `"mariadb"`): single-user or alternating-users by the
 * tag `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const mysqlStrategy = byRotationMode('mysql', {
  'single-user': singleUserStrategy(mysqlEngine),
  'alternating-users': alternatingUsersStrategy(mysqlEngine),
});
