import { alternatingUsersStrategy } from '../db/alternate';
import { byRotationMode } from '../db/mode';
import { singleUserStrategy } from '../db/own-password';
import { postgresEngine } from '../db/postgres-steps';

/**
 * PostgreSQL (`"engine": "postgres"`): single-user or alternating-users by the tag
 * `keywarden:rotation`, else by whether the secret has a `masterarn`.
 */
export const postgresStrategy = byRotationMode('postgres', {
  'single-user': singleUserStrategy(postgresEngine),
  'alternating-users': alternatingUsersStrategy(postgresEngine),
});
