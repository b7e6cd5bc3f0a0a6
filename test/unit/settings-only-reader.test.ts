import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * shared/settings is the one place that reads an environment variable: the domain code and the
 * functions declare fields and pass the environment object to readSettings, and never pick a
 * variable out of it themselves (that is how three shapes of configuration grew before).
 */

const root = join(import.meta.dirname, '..', '..');
/** Reads of one variable: `process.env.X`, `process.env[X]`, `env.X`, `env[X_ENV]`. */
const DIRECT_READ = /process\.env(\.|\[)|\benv\.[A-Z][A-Z0-9_]+|\benv\[[A-Z][A-Z0-9_]*\]/;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('environment variables are read through shared/settings only', () => {
  it('no file in shared/ (but shared/settings/) or functions/ reads a variable itself', () => {
    const reads = [...sources('shared'), ...sources('functions')]
      .filter((file) => !file.startsWith(join('shared', 'settings')))
      .flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .flatMap((line, index) => (DIRECT_READ.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
      );
    expect(reads).toEqual([]);
  });

  it('the pattern it looks for finds each way of reading a variable', () => {
    for (const line of ['process.env.KEYWARDEN_STAGE', "process.env['X']", 'process.env[ACCOUNT_ROLES_ENV]', 'env.AWS_REGION', 'env[MEMBER_ACCOUNTS_ENV]']) {
      expect(DIRECT_READ.test(line), line).toBe(true);
    }
    for (const line of ['env: NodeJS.ProcessEnv = process.env', 'readSettings(schema, env)', 'const env = options.env ?? process.env;']) {
      expect(DIRECT_READ.test(line), line).toBe(false);
    }
  });
});
