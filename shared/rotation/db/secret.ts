import { boundDbSecret } from '../binding';
import type { RotationContext } from '../strategy';
import type { JsonObjectSource } from '../../json-object-text';
import { describeJsonType, parseSecretObject, readSecretDocument, secretFormatError, type SecretObject, type ValueLabel } from '../values/json-secret';

/**
 * A database or cache secret in AWS's JSON convention: `engine`, `host`, `port`, `username`,
 * `password`, `dbname`, `masterarn`, `ssl`. Other fields are kept as they are on every rotation.
 */
export interface DbSecret {
  engine: string;
  host: string;
  port?: number;
  username: string;
  password: string;
  dbname?: string;
  /** The ARN or name of the secret holding the admin credential that manages this user. */
  masterarn?: string;
  /** True: connect over TLS, verified; never plaintext. */
  ssl: boolean;
  /** The binding's transport, once the value is checked against it: `tls` forces verified TLS. */
  transport?: 'tls' | 'plaintext';
  /** Every field, as parsed, so a rotation keeps the ones it does not own. */
  fields: SecretObject;
  /** The value's text, so a rotation keeps the fields it does not own exactly (withOwnedFields). */
  source: JsonObjectSource;
}

/** A login: what a master secret must hold at least. */
export interface Credential {
  username: string;
  password: string;
}

/** Where a parsed value came from, for messages. */
export interface SecretWhere {
  secretName: string;
  label: ValueLabel;
}

/** Parses a database secret; throws SecretFormatError naming the field, never quoting a value. */
export function parseDbSecret(value: string, where: SecretWhere): DbSecret {
  const { fields, source } = readSecretDocument(value, where.secretName, where.label);
  const fail = (problem: string) => secretFormatError(where.secretName, where.label, problem);
  const text = (name: string, required: boolean): string | undefined => {
    const raw = fields[name];
    if (raw === undefined || raw === null || raw === '') {
      if (required) throw fail(`has no field "${name}"`);
      return undefined;
    }
    if (typeof raw !== 'string') throw fail(`has field "${name}" of type ${describeJsonType(raw)}, expected a string`);
    return raw;
  };
  return {
    engine: text('engine', false) ?? '',
    host: text('host', true)!,
    port: portOf(fields.port, fail),
    username: text('username', true)!,
    password: text('password', true)!,
    dbname: text('dbname', false),
    masterarn: text('masterarn', false),
    ssl: sslOf(fields.ssl, fail),
    fields,
    source,
  };
}

/**
 * The rotation's current or pending value, parsed and checked against the secret's binding, with
 * the binding's identity (see boundDbSecret): a value that disagrees is refused here, before any
 * server is touched.
 */
export async function readDbSecret(ctx: RotationContext, label: 'current' | 'pending'): Promise<DbSecret> {
  return boundDbSecret(ctx, parseDbSecret(await ctx[label](), { secretName: ctx.name, label }), label);
}

/** The rotation's previous value, parsed and checked like readDbSecret; undefined when the secret has never rotated. */
export async function readPreviousDbSecret(ctx: RotationContext): Promise<DbSecret | undefined> {
  const raw = await ctx.previous();
  return raw === undefined ? undefined : boundDbSecret(ctx, parseDbSecret(raw, { secretName: ctx.name, label: 'previous' }), 'previous');
}

/**
 * The master secret only lends its login: keywarden connects to the user's own host, port and
 * database with it, because that is where the user and its grants live.
 */
export function parseMasterSecret(value: string, masterName: string): Credential {
  const fields = parseSecretObject(value, masterName, 'current');
  for (const name of ['username', 'password'] as const) {
    if (typeof fields[name] !== 'string' || fields[name] === '') {
      throw secretFormatError(masterName, 'current', `has no string field "${name}", which a master secret needs`);
    }
  }
  return { username: fields.username as string, password: fields.password as string };
}

function portOf(raw: unknown, fail: (problem: string) => Error): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const port = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('has field "port" that is not a TCP port (1-65535)');
  return port;
}

function sslOf(raw: unknown, fail: (problem: string) => Error): boolean {
  if (raw === undefined || raw === null || raw === false || raw === 'false' || raw === '') return false;
  if (raw === true || raw === 'true') return true;
  throw fail('has field "ssl" that is neither true nor false');
}
