import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLine, formatLine, readLines } from '../../../../cli/local/function-log';

const dir = mkdtempSync(join(tmpdir(), 'kw-function-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the functions log', () => {
  it('keeps each line with its function, and reads one function back from an offset', () => {
    const file = join(dir, 'functions.log');
    appendLine(file, 'alert', 'one');
    appendLine(file, 'audit', 'two');
    const first = readLines(file, 0);
    expect(first.lines.map((l) => `${l.fn}:${l.line}`)).toEqual(['alert:one', 'audit:two']);
    appendLine(file, 'alert', 'three');
    expect(readLines(file, first.next, 'alert').lines.map((l) => l.line)).toEqual(['three']);
    expect(readLines(file, 0, 'audit').lines.map((l) => l.line)).toEqual(['two']);
  });

  it('shows a Powertools line as level, message and its own fields, without the Lambda context', () => {
    const line = JSON.stringify({ level: 'WARN', message: 'alert handed back for a retry', timestamp: 't', function_arn: 'arn', receiveCount: 2 });
    expect(formatLine({ at: '2026-12-03T00:00:00.000Z', fn: 'alert', line })).toBe('2026-12-03T00:00:00.000Z alert     WARN alert handed back for a retry receiveCount=2');
  });

  it('attack: a line with terminal escapes, bidi overrides and line breaks is shown inert, on one line', () => {
    const hostile = '\u001b]0;owned\u0007\u001b[2Jevil\u202e\nsecond line\r$(rm -rf ~)';
    const shown = formatLine({ at: 'now', fn: 'audit\u001b[31m', line: hostile });
    // eslint-disable-next-line no-control-regex -- exactly the characters a terminal acts on
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e\n]/);
    expect(shown).toContain('$(rm -rf ~)');
  });
});
