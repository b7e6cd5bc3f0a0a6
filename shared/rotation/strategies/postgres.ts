import { byRotationMode } from '../db/mode';
import { postgresAlternatingUsersStrategy } from './postgres-alternating-users';
import { postgresSingleUserStrategy } from './postgres-single-user';

/**
 * PostgreSQL (`"engine": "postgres"`): single-user or alternating-users by the tag
 * `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const postgresStrategy = byRotationMode('postgres', {
  'single-user': postgresSingleUserStrategy,
  'alternating-users': postgresAlternatingUsersStrategy,
});
