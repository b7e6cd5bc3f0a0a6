/**
 * Records everything written to stdout and stderr while `fn` runs (it still reaches the
 * terminal), so a test can scan what a run printed for secrets.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; printed: string }> {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tap = (original: typeof process.stdout.write) =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  process.stdout.write = tap(originals.out);
  process.stderr.write = tap(originals.err);
  try {
    return { result: await fn(), printed: chunks.join('') };
  } catch (error) {
    return { error, printed: chunks.join('') };
  } finally {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  }
}

/** The JSON objects among printed lines (the CLI's `--json` output beside its progress text). */
export function jsonLines(printed: string): Array<Record<string, unknown>> {
  return printed
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
