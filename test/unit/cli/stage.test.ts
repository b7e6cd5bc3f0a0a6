import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../cli/main';
import { DEFAULT_LOCAL_STAGE, DEFAULT_STAGE, resolveActingStage, resolveStage, STAGE_OPTION_HELP } from '../../../cli/stage';

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

  it('attack: emergency and bind against AWS never guess the stage: with neither --stage nor KEYWARDEN_STAGE they refuse', () => {
    expect(() => resolveActingStage(undefined, { kind: 'aws' }, {}, noLocalAws)).toThrow(/which stage\?/);
    expect(resolveActingStage('prod', { kind: 'aws' }, {}, noLocalAws)).toBe('prod');
    expect(resolveActingStage(undefined, { kind: 'aws' }, { KEYWARDEN_STAGE: 'staging' }, noLocalAws)).toBe('staging');
    expect(resolveActingStage(undefined, { kind: 'local' }, {}, () => 'ci')).toBe('ci');
  });

  it('an explicit --stage drops the resource names a shell still holds from another stage', () => {
    const env: NodeJS.ProcessEnv = { KEYWARDEN_STAGE: 'staging', KEYWARDEN_AUDIT_TABLE: 'keywarden-staging-audit', KEYWARDEN_EMERGENCY_TABLE: 'keywarden-staging-emergency', KEYWARDEN_FINDINGS_BUS: 'keywarden-staging', KEYWARDEN_LEARNING_DAYS: '7' };
    expect(resolveStage('prod', { kind: 'aws' }, env, noLocalAws)).toBe('prod');
    expect(env).toEqual({ KEYWARDEN_STAGE: 'staging', KEYWARDEN_LEARNING_DAYS: '7' });
    const kept: NodeJS.ProcessEnv = { KEYWARDEN_STAGE: 'staging', KEYWARDEN_AUDIT_TABLE: 'custom-audit' };
    expect(resolveStage(undefined, { kind: 'aws' }, kept, noLocalAws)).toBe('staging');
    expect(kept.KEYWARDEN_AUDIT_TABLE).toBe('custom-audit');
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
