import type { Command } from 'commander';
import { jsonDisplaySafe, terminalSafe } from '../shared/display-text';
import { redact } from '../shared/redact';

/**
 * Everything the CLI prints goes through here: human text by default, one JSON object per line
 * with `--json`. Every string passes through `redact()`, so a secret that slipped into a message
 * is still not printed. Much of what is printed comes from CloudTrail records (secret ids, user
 * agents), written by whoever made the call: human text has escape sequences, control and
 * bidirectional characters removed, and JSON lines carry them as `\uXXXX` escapes (the values
 * stay exact), so nothing printed can drive the terminal. Results go to stdout; progress notes
 * go to stderr so a pipe sees only results.
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
  const line = (record: Record<string, unknown>) => `${jsonDisplaySafe(JSON.stringify(record, redactReplacer))}\n`;
  const text = (value: string) => `${terminalSafe(redact(value))}\n`;
  return {
    json,
    result(human, record) {
      if (json) write(line(record ?? { message: [human].flat().join('\n') }));
      else write([human].flat().map(text).join(''));
    },
    progress(message) {
      writeError(json ? line({ progress: message }) : text(message));
    },
    debug(message) {
      if (!options.verbose) return;
      writeError(json ? line({ debug: message }) : text(message));
    },
    error(error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      if (json) write(line({ error: { name, message } }));
      else writeError(text(`error: ${message}`));
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
