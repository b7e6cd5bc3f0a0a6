import { describe, expect, it } from 'vitest';
import { createOutput } from '../../cli/output';
import { jsonDisplaySafe, singleLine, terminalSafe } from '../../shared/display-text';
import { RAW_CONTROL } from '../support/control-chars';

const HOSTILE = 'app/\u001b[2J\u001b[31mred\u001b[0m\u001b]0;owned\u0007db\r\u202egnp.exe\u202c\u009b2K\u0000end';

describe('text for people', () => {
  it('removes escape sequences, controls and bidi overrides, keeping line feeds and tabs', () => {
    expect(terminalSafe(`${HOSTILE}\nnext\tcol`)).toBe('app/reddbgnp.exeend\nnext\tcol');
    expect(singleLine(`a\nb\u2028c\td`)).toBe('a b c d');
  });

  it('escapes what JSON.stringify leaves raw, and the value parses back unchanged', () => {
    const value = { name: HOSTILE, other: 'é\u2029' };
    const json = jsonDisplaySafe(JSON.stringify(value, null, 2));
    expect(json).not.toMatch(RAW_CONTROL);
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('attack: control characters in a secret name reach the CLI', () => {
  it('the human output and the JSON lines carry none of them', () => {
    const printed: string[] = [];
    const write = (text: string) => void printed.push(text);
    createOutput({}, write, write).result([`secret ${HOSTILE}`]);
    createOutput({}, write, write).error(new Error(`no such secret ${HOSTILE}`));
    createOutput({ json: true }, write, write).result('x', { secret: HOSTILE });
    const all = printed.join('');
    expect(all).not.toMatch(RAW_CONTROL);
    expect(all).toContain('secret app/reddbgnp.exeend\n');
    expect(JSON.parse(printed[2]!)).toEqual({ secret: HOSTILE });
  });
});
