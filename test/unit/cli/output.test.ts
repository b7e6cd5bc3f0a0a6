import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, rememberSecret } from '../../../shared/redact';
import { InvalidRequestError } from '../../../shared/errors';
import { createOutput } from '../../../cli/output';
import { CliExit, ExitCode, exitCodeFor } from '../../../cli/exit-codes';
import { exportLines, localEnv } from '../../../cli/local/env';

function capture(json: boolean, verbose = false) {
  const out: string[] = [];
  const err: string[] = [];
  const output = createOutput({ json, verbose }, (t) => out.push(t), (t) => err.push(t));
  return { output, out, err };
}

afterEach(() => forgetSecrets());

describe('createOutput', () => {
  it('prints human lines by default and one JSON object per line with --json', () => {
    const human = capture(false);
    human.output.result(['a', 'b'], { a: 1 });
    expect(human.out.join('')).toBe('a\nb\n');
    const json = capture(true);
    json.output.result(['a', 'b'], { a: 1 });
    json.output.result('only text');
    expect(json.out.join('').trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([{ a: 1 }, { message: 'only text' }]);
  });

  it('redacts remembered secrets in text, JSON, progress and errors', () => {
    rememberSecret('hunter2-very-secret');
    const human = capture(false);
    human.output.result('value is hunter2-very-secret');
    human.output.progress('saw hunter2-very-secret');
    human.output.error(new Error('bad hunter2-very-secret'));
    const json = capture(true);
    json.output.result('x', { value: 'hunter2-very-secret', nested: ['hunter2-very-secret'] });
    json.output.error(new Error('bad hunter2-very-secret'));
    const all = [...human.out, ...human.err, ...json.out, ...json.err].join('');
    expect(all).not.toContain('hunter2-very-secret');
    expect(all).toContain('[REDACTED]');
  });

  it('sends progress and errors to stderr in text mode, debug only when verbose', () => {
    const quiet = capture(false);
    quiet.output.progress('working');
    quiet.output.debug('detail');
    quiet.output.error(new Error('boom'));
    expect(quiet.out).toEqual([]);
    expect(quiet.err.join('')).toBe('working\nerror: boom\n');
    const loud = capture(false, true);
    loud.output.debug('detail');
    expect(loud.err.join('')).toBe('detail\n');
  });
});

describe('exitCodeFor', () => {
  it('maps refusals to 2, not-running to 3, anything else to 1', () => {
    expect(exitCodeFor(new InvalidRequestError('bad'))).toBe(ExitCode.Usage);
    expect(exitCodeFor(new CliExit(ExitCode.NotFound, 'down'))).toBe(3);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});

describe('local env lines', () => {
  it('point every AWS tool at the endpoint, one export per line', () => {
    const lines = exportLines(localEnv('http://127.0.0.1:4566'));
    expect(lines).toContain('export AWS_ENDPOINT_URL=http://127.0.0.1:4566');
    expect(lines).toContain('export AWS_REGION=us-east-1');
    expect(lines.some((line) => line.startsWith('export AWS_ACCESS_KEY_ID='))).toBe(true);
    expect(lines.some((line) => line.startsWith('export AWS_SECRET_ACCESS_KEY='))).toBe(true);
    expect(exportLines({ X: "it's" })).toEqual([`export X='it'\\''s'`]);
  });
});
