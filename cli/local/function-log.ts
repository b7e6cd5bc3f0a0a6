import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { singleLine } from '../../shared/display-text';
import { redact } from '../../shared/redact';
import { localDir } from './paths';

/**
 * The functions' log lines while `keywarden local up` runs them: what CloudWatch Logs holds in
 * AWS. Each line the runner or a function prints is kept as one JSON object (`at`, `fn`, `line`)
 * in `functions.log`, tagged with the function whose invocation printed it (AsyncLocalStorage
 * follows the invocation through its awaits), so `keywarden local logs alert` can pick one
 * function's lines out of interleaved invocations.
 */

/** One kept line. */
export interface FunctionLogLine {
  at: string;
  /** The function (`alert`, `audit`, `staleness`) or `runner` for the runner's own notes. */
  fn: string;
  line: string;
}

/** Where the runner keeps the lines. */
export function functionLogFile(): string {
  return join(localDir(), 'functions.log');
}

const current = new AsyncLocalStorage<string>();

/** Runs `work` with every line it prints tagged as `fn`'s. */
export function asFunction<T>(fn: string, work: () => Promise<T>): Promise<T> {
  return current.run(fn, work);
}

/**
 * Sends everything this process prints on stdout and stderr to the log file instead, each line
 * tagged with the function running when it was printed. The runner calls it once at start.
 */
export function captureOutput(file: string = functionLogFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  const pending: Record<string, string> = {};
  const write = (chunk: unknown): boolean => {
    const fn = current.getStore() ?? 'runner';
    const text = (pending[fn] ?? '') + (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const lines = text.split('\n');
    pending[fn] = lines.pop() ?? '';
    for (const line of lines) if (line.length > 0) appendLine(file, fn, line);
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
}

/** Appends one line (the runner's own notes go through here too). */
export function appendLine(file: string, fn: string, line: string): void {
  const entry: FunctionLogLine = { at: new Date().toISOString(), fn, line };
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/**
 * A kept line as a person reads it. A line can carry text an attacker wrote (a CloudTrail
 * field, a finding's title, a queue message), so it is shown on one line with escape sequences,
 * control and bidi characters taken out: it can neither run nor repaint anything on the reader's
 * terminal. Secrets are kept out at the source (the functions' logger redacts what they print);
 * redact() here is the CLI's usual last pass.
 */
export function formatLine(entry: FunctionLogLine): string {
  return `${entry.at} ${singleLine(entry.fn).padEnd(9)} ${singleLine(redact(readable(entry.line)))}`;
}

/** Lambda context fields every Powertools line repeats; `--json` keeps them. */
const CONTEXT_FIELDS = new Set(['level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'sampling_rate', 'xray_trace_id']);

/** A Powertools JSON line as `LEVEL message key=value ...`; any other line as it is. */
function readable(line: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  if (!parsed || typeof parsed !== 'object' || typeof (parsed as { message?: unknown }).message !== 'string') return line;
  const record = parsed as Record<string, unknown>;
  const rest = Object.entries(record)
    .filter(([key]) => !CONTEXT_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [String(record.level ?? ''), String(record.message), ...rest].filter(Boolean).join(' ');
}

/** Reads the lines from byte `offset` on, keeping those of `fn` (all when undefined). Returns the next offset. */
export function readLines(file: string, offset: number, fn?: string): { lines: FunctionLogLine[]; next: number } {
  if (!existsSync(file)) return { lines: [], next: 0 };
  const size = statSync(file).size;
  if (size < offset) offset = 0;
  if (size === offset) return { lines: [], next: offset };
  const text = readFileSync(file).subarray(offset).toString('utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text
    .slice(0, end)
    .split('\n')
    .filter(Boolean)
    .map(parseEntry)
    .filter((entry): entry is FunctionLogLine => entry !== undefined && (fn === undefined || entry.fn === fn));
  return { lines, next: offset + Buffer.byteLength(text.slice(0, end)) };
}

function parseEntry(text: string): FunctionLogLine | undefined {
  try {
    const entry = JSON.parse(text) as Partial<FunctionLogLine>;
    if (typeof entry.at !== 'string' || typeof entry.fn !== 'string' || typeof entry.line !== 'string') return undefined;
    return { at: entry.at, fn: entry.fn, line: entry.line };
  } catch {
    return undefined;
  }
}
