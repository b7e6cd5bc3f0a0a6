/**
 * The fields a settings schema is made of (shared/settings/read.ts reads them). A field names its
 * environment variable, parses the variable's text, and says what an unset variable means: a
 * default, `undefined`, a name derived from the stage, or a problem. Plain functions, no schema
 * library: the rotate function reads settings too, and its bundle has no room for one.
 *
 * A parser's complaint says what the value must be and never repeats the value: a variable set
 * by mistake to a password must not put the password in an error, a log or a finding.
 */

/** A parser's complaint: what the text must be (`must be a whole number from 1 to 10`). */
export class InvalidSetting extends Error {
  constructor(must: string) {
    super(must);
    this.name = 'InvalidSetting';
  }
}

/** Turns a variable's trimmed, non-blank text into a value, or throws {@link InvalidSetting}. */
export type Parser<T> = (text: string) => T;

/** One setting: its variable, its parser, and what it is when the variable is unset or blank. */
export interface Field<T> {
  readonly variable: string;
  readonly parse: Parser<T>;
  /** The value of an unset (or blank) variable; throws {@link InvalidSetting} when it must be set. */
  readonly unset: (env: NodeJS.ProcessEnv) => T;
  /** A blank variable is parsed (a list set to `''` is empty), not unset. */
  readonly keepsBlank?: boolean;
}

/** A setting with a default. */
export function setting<T>(variable: string, parse: Parser<T>, fallback: T): Field<T> {
  return { variable, parse, unset: () => fallback };
}

/** A comma-separated list with a default; set blank, it is the empty list (`KEYWARDEN_SHARED_SCOPES=` means none). */
export function listSetting(variable: string, fallback: readonly string[]): Field<string[]> {
  return { variable, parse: commaList, unset: () => [...fallback], keepsBlank: true };
}

/** A setting that is `undefined` when unset. */
export function optionalSetting<T>(variable: string, parse: Parser<T>): Field<T | undefined> {
  return { variable, parse, unset: () => undefined };
}

/** A setting that must be set: `what` says what it is, for the message. */
export function requiredSetting<T>(variable: string, parse: Parser<T>, what: string): Field<T> {
  return {
    variable,
    parse,
    unset: () => {
      throw new InvalidSetting(`is required: ${what}`);
    },
  };
}

/** A required setting from the first of its variables that is set (`AWS_REGION`, else `AWS_DEFAULT_REGION`, as the SDK reads them). */
export function requiredSettingOf<T>(variables: readonly [string, ...string[]], parse: Parser<T>, what: string): Field<T> {
  const [variable, ...others] = variables;
  return {
    variable,
    parse,
    unset: (env) => {
      for (const other of others) {
        const text = env[other]?.trim();
        if (text) return parse(text);
      }
      throw new InvalidSetting(`is not set${others.length > 0 ? ` (nor ${others.join(', ')})` : ''}: ${what}`);
    },
  };
}

/**
 * A resource name that follows the stage (shared/resource-names.ts) unless its variable names one:
 * a deployed function gets every name set by serverless.yml, the CLI only `KEYWARDEN_STAGE`.
 */
export function stageNamed(variable: string, derive: (stage: string) => string): Field<string> {
  return {
    variable,
    parse: anyText,
    unset: (env) => {
      const stage = env.KEYWARDEN_STAGE?.trim();
      if (stage) return derive(stage);
      throw new InvalidSetting('is not set and neither is KEYWARDEN_STAGE to derive it from');
    },
  };
}

/** Any text. */
export const anyText: Parser<string> = (text) => text;

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): Parser<number> {
  return (text) => {
    const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) throw new InvalidSetting(`must be a whole number from ${min} to ${max}`);
    return value;
  };
}

/** A number (decimals allowed) from `min` to `max`. */
export function decimalNumber(min: number, max: number): Parser<number> {
  return (text) => {
    const value = /^\d{1,15}(\.\d{1,15})?$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) throw new InvalidSetting(`must be a number from ${min} to ${max}`);
    return value;
  };
}

/** One of `values`, exactly. */
export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return (text) => {
    if (!(values as readonly string[]).includes(text)) throw new InvalidSetting(`must be one of ${values.join(', ')}`);
    return text as V;
  };
}

/** A comma-separated list; blank entries are dropped. */
export const commaList: Parser<string[]> = (text) => text.split(',').map((entry) => entry.trim()).filter(Boolean);

/** Text matching `shape`; `must` says what it must be. */
export function matching(shape: RegExp, must: string): Parser<string> {
  return (text) => {
    if (!shape.test(text)) throw new InvalidSetting(`must be ${must}`);
    return text;
  };
}

/** An http(s) URL. */
export const url: Parser<string> = (text) => {
  try {
    const parsed = new URL(text);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return text;
  } catch {
    // reported below, without the text
  }
  throw new InvalidSetting('must be an http(s) URL');
};
