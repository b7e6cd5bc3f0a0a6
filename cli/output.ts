import type { Command } from 'commander';
import { redact } from '../shared/redact';

/**
 * Everything the CLI prints goes through here: human text by default, one JSON object per line
 * with `--json`. Every string passes through `redact()`, so a secret that slipped into a message
 * is still not printed. Results go to stdout; progress notes go to stderr so a pipe sees only
 * results.
 */
export interface Output {
  /** Whether `--json` is on. */
  readonly json: boolean;
  /**
   * A result: `human` lines as text, or `record` as one JSON line. With `--json` and no record,
   * prints `{ "message": ... }`.
   */
  result(human: string | string[], record?: Record<string, unknown>): void;
  /** A progress note (stderr): text, or `{ "progress": ... }` with `--json`. */
  progress(message: string): void;
  /** A note only shown with `--verbose`. */
  debug(message: string): void;
  /** An error that ends the command: `error: ...` on stderr, or `{ "error": {name, message} }` on stdout. */
  error(error: unknown): void;
}

/** Options every command can read. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** Makes an {@link Output}; `write` and `writeError` default to stdout and stderr. */
export function createOutput(
  options: GlobalOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
  writeError: (text: string) => void = (text) => process.stderr.write(text),
): Output {
  const json = Boolean(options.json);
  const line = (record: Record<string, unknown>) => `${JSON.stringify(record, redactReplacer)}\n`;
  return {
    json,
    result(human, record) {
      if (json) write(line(record ?? { message: [human].flat().join('\n') }));
      else write([human].flat().map((text) => `${redact(text)}\n`).join(''));
    },
    progress(message) {
      writeError(json ? line({ progress: message }) : `${redact(message)}\n`);
    },
    debug(message) {
      if (!options.verbose) return;
      writeError(json ? line({ debug: message }) : `${redact(message)}\n`);
    },
    error(error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      if (json) write(line({ error: { name, message } }));
      else writeError(`error: ${redact(message)}\n`);
    },
  };
}

/** The output for a command's action, from the global `--json`/`--verbose` flags. */
export function outputFor(command: Command): Output {
  return createOutput(command.optsWithGlobals<GlobalOptions>());
}

function redactReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? redact(value) : value;
}
