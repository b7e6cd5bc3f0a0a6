import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../cli/main';
import { DEFAULT_LOCAL_STAGE, DEFAULT_STAGE, resolveStage, STAGE_OPTION_HELP } from '../../../cli/stage';

const noLocalAws = () => undefined;

describe('the stage a command acts on (cli/stage.ts)', () => {
  it('takes --stage over everything else', () => {
    expect(resolveStage('prod', { kind: 'aws' }, { KEYWARDEN_STAGE: 'staging' }, noLocalAws)).toBe('prod');
    expect(resolveStage('prod', { kind: 'local' }, { KEYWARDEN_STAGE: 'staging' }, () => 'ci')).toBe('prod');
  });

  it('then KEYWARDEN_STAGE, against AWS and against the local AWS alike', () => {
    expect(resolveStage(undefined, { kind: 'aws' }, { KEYWARDEN_STAGE: 'staging' }, noLocalAws)).toBe('staging');
    expect(resolveStage(undefined, { kind: 'local' }, { KEYWARDEN_STAGE: 'staging' }, () => 'ci')).toBe('staging');
  });

  it("then, against the local AWS, the stage it was created with, else local", () => {
    expect(resolveStage(undefined, { kind: 'local' }, {}, () => 'ci')).toBe('ci');
    expect(resolveStage(undefined, { kind: 'local' }, {}, noLocalAws)).toBe(DEFAULT_LOCAL_STAGE);
    expect(DEFAULT_LOCAL_STAGE).toBe('local');
  });

  it("then serverless.yml's own default stage, dev; blank values count as unset", () => {
    expect(resolveStage(undefined, { kind: 'aws' }, {}, () => 'ci')).toBe(DEFAULT_STAGE);
    expect(resolveStage('  ', { kind: 'aws' }, { KEYWARDEN_STAGE: '' }, noLocalAws)).toBe('dev');
  });

  it('every command with --stage documents this one rule and sets no default of its own', () => {
    const withStage: string[] = [];
    const visit = (command: Command, path: string) => {
      for (const option of command.options) {
        if (option.long !== '--stage') continue;
        withStage.push(path);
        expect(option.description, path).toContain(STAGE_OPTION_HELP);
        expect(option.defaultValue, path).toBeUndefined();
      }
      for (const sub of command.commands) visit(sub, `${path} ${sub.name()}`);
    };
    visit(buildProgram(), 'keywarden');
    expect(withStage).toEqual(expect.arrayContaining(['keywarden emergency', 'keywarden audit replay', 'keywarden bind', 'keywarden alert send', 'keywarden local up']));
  });
});
