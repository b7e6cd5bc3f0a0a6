import { ConfigError } from '../errors';
import { InvalidSetting, type Field } from './fields';

/**
 * Reads a settings schema (a camelCase key per setting, each a field of shared/settings/fields.ts)
 * from an environment into a typed settings object. Every stage declares its schema with these
 * fields in its own settings file (shared/audit/settings.ts, shared/staleness/config.ts, ...).
 *
 * - A variable that is unset or blank (after trimming) takes the field's unset value; only a list
 *   set blank is read, as the empty list.
 * - Every problem is reported at once, in one ConfigError naming each variable and what it must
 *   be, so a misconfigured stage fails on its first invocation with the whole list.
 * - The message never holds a variable's value: a password pasted into the wrong variable stays
 *   out of the error, the log and the finding.
 */

/** A settings schema: the settings object's keys, each with its field. */
export type SettingsSchema = Record<string, Field<unknown>>;

/** The settings object a schema reads into. */
export type SettingsOf<S extends SettingsSchema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * The settings of `schema` from `env`.
 *
 * @throws ConfigError naming every variable that is missing or wrong.
 */
export function readSettings<S extends SettingsSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): SettingsOf<S> {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  let cause: unknown;
  for (const [key, field] of Object.entries(schema)) {
    const text = env[field.variable]?.trim();
    try {
      settings[key] = text || (text === '' && field.keepsBlank) ? field.parse(text) : field.unset(env);
    } catch (error) {
      if (error instanceof InvalidSetting) {
        problems.push(`${field.variable} ${error.message}`);
      } else if (error instanceof ConfigError) {
        // A parser of structured text (JSON, a pattern) that names its variable itself.
        problems.push(error.message.replace(/^invalid configuration: /, ''));
        cause ??= error;
      } else {
        throw error;
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`, cause === undefined ? undefined : { cause });
  return settings as SettingsOf<S>;
}

/** A reader that reads `schema` from `process.env` on first use, then returns the same object. */
export function lazySettings<S extends SettingsSchema>(schema: S): () => SettingsOf<S> {
  let value: SettingsOf<S> | undefined;
  return () => (value ??= readSettings(schema));
}
