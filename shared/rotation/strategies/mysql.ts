import { alternatingUsersStrategy } from '../db/alternate';
import { byRotationMode } from '../db/mode';
import { mysqlEngine } from '../db/mysql-steps';
import { singleUserStrategy } from '../db/own-password';

/**
 * MySQL and MariaDB (`"engine": "mysql"` or `"mariadb"`): single-user or alternating-users by the
 * tag `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const mysqlStrategy = byRotationMode('mysql', {
  'single-user': singleUserStrategy(mysqlEngine),
  'alternating-users': alternatingUsersStrategy(mysqlEngine),
});
