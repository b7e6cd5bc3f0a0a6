import { alternatingUsersStrategy } from '../db/alternating-users';
import { byRotationMode } from '../db/rotation-mode';
import { singleUserStrategy } from '../db/single-user';
import { postgresEngine } from '../db/postgres-engine';

/**
 * PostgreSQL (`"engine": "postgres"`): single-user or alternating-users by the tag
 * `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const postgresStrategy = byRotationMode('postgres', {
  'single-user': singleUserStrategy(postgresEngine),
  'alternating-users': alternatingUsersStrategy(postgresEngine),
});
