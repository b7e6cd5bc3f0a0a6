import { byRotationMode } from '../db/mode';
import { mysqlAlternatingUsersStrategy } from './mysql-alternating-users';
import { mysqlSingleUserStrategy } from './mysql-single-user';

/**
 * MySQL and MariaDB (`"engine": "mysql"` or `"mariadb"`): single-user or alternating-users by the
 * tag `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const mysqlStrategy = byRotationMode('mysql', {
  'single-user': mysqlSingleUserStrategy,
  'alternating-users': mysqlAlternatingUsersStrategy,
});
