import { z } from 'zod';
import { ConfigError } from './errors';

// The zod readers below are the old pattern, kept only for shared/refresh/settings.ts until it
// moves to shared/settings (fields and readSettings), which every other settings file uses.

/**
 * Reads and validates environment variables once, at cold start. Every problem is reported at
 * once, naming the variable and what it must be, so a misconfigured stage fails loudly on its
 * first invocation instead of halfway through its work.
 */
export function readEnv<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/** A config reader that validates on first use and then returns the same object. */
export function lazyEnv<S extends z.ZodTypeAny>(schema: S): () => z.infer<S> {
  let value: z.infer<S> | undefined;
  return () => (value ??= readEnv(schema));
}

/** A required, non-empty string variable. */
export const requiredString = (what: string) => z.string({ required_error: `required: ${what}` }).min(1, `must not be empty: ${what}`);

/** A whole number in a range, from a string variable, with a default. */
export const integerFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A comma-separated list. */
export const listFromEnv = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean)));
