import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors';
import {
  anyText,
  commaList,
  decimalNumber,
  listSetting,
  matching,
  oneOf,
  optionalSetting,
  requiredSetting,
  setting,
  stageNamed,
  url,
  wholeNumber,
} from '../../shared/settings/fields';
import { lazySettings, readSettings } from '../../shared/settings/read';

const schema = {
  stage: requiredSetting('KW_TEST_STAGE', anyText, 'the stage name'),
  retentionDays: setting('KW_TEST_RETENTION_DAYS', wholeNumber(1, 3650), 365),
  factor: setting('KW_TEST_FACTOR', decimalNumber(1.5, 1000), 10),
  mode: setting('KW_TEST_MODE', oneOf(['service', 'function']), 'service'),
  dlqUrl: optionalSetting('KW_TEST_DLQ_URL', url),
  accountId: optionalSetting('KW_TEST_ACCOUNT_ID', matching(/^\d{12}$/, 'a 12-digit AWS account id')),
  scopes: listSetting('KW_TEST_SCOPES', ['shared']),
  table: stageNamed('KW_TEST_TABLE', (stage) => `keywarden-${stage}-audit`),
};

describe('settings schemas (shared/settings)', () => {
  it('reads a typed camelCase settings object, with each default for what is unset or blank', () => {
    const settings = readSettings(schema, { KW_TEST_STAGE: 'prod', KW_TEST_RETENTION_DAYS: ' ', KEYWARDEN_STAGE: 'prod' });
    expect(settings).toEqual({ stage: 'prod', retentionDays: 365, factor: 10, mode: 'service', dlqUrl: undefined, accountId: undefined, scopes: ['shared'], table: 'keywarden-prod-audit' });
  });

  it('parses what is set, trimmed; a list set blank is the empty list; an explicit name wins over the stage', () => {
    const settings = readSettings(schema, {
      KW_TEST_STAGE: ' ci ',
      KW_TEST_RETENTION_DAYS: '30',
      KW_TEST_FACTOR: '2.5',
      KW_TEST_MODE: 'function',
      KW_TEST_DLQ_URL: 'http://127.0.0.1:5000/123456789012/dlq',
      KW_TEST_ACCOUNT_ID: '123456789012',
      KW_TEST_SCOPES: '',
      KW_TEST_TABLE: 'my-audit',
    });
    expect(settings).toEqual({ stage: 'ci', retentionDays: 30, factor: 2.5, mode: 'function', dlqUrl: 'http://127.0.0.1:5000/123456789012/dlq', accountId: '123456789012', scopes: [], table: 'my-audit' });
    expect(commaList(' a, ,b ,')).toEqual(['a', 'b']);
  });

  it('names every wrong or missing variable in one ConfigError, and what each must be', () => {
    let error: unknown;
    try {
      readSettings(schema, { KW_TEST_RETENTION_DAYS: '0', KW_TEST_FACTOR: '1', KW_TEST_MODE: 'Service', KW_TEST_DLQ_URL: 'queue', KW_TEST_ACCOUNT_ID: '1234' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'invalid configuration: KW_TEST_STAGE is required: the stage name; KW_TEST_RETENTION_DAYS must be a whole number from 1 to 3650; ' +
        'KW_TEST_FACTOR must be a number from 1.5 to 1000; KW_TEST_MODE must be one of service, function; KW_TEST_DLQ_URL must be an http(s) URL; ' +
        'KW_TEST_ACCOUNT_ID must be a 12-digit AWS account id; KW_TEST_TABLE is not set and neither is KEYWARDEN_STAGE to derive it from',
    );
  });

  it('never repeats a value in its message: a password in the wrong variable stays out of the error', () => {
    const password = 'hunter2-Correct-Horse-Battery';
    const env = Object.fromEntries(Object.values(schema).map((field) => [field.variable, password]));
    expect(() => readSettings(schema, env)).toThrow(ConfigError);
    try {
      readSettings(schema, env);
    } catch (error) {
      expect((error as Error).message).not.toContain(password);
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).message).toMatch(/KW_TEST_RETENTION_DAYS must be/);
    }
  });

  it('lets a parser of structured text name its own variable, keeping its error as the cause', () => {
    const structured = setting(
      'KW_TEST_JSON',
      (text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (cause) {
          throw new ConfigError('KW_TEST_JSON is not JSON', { cause });
        }
      },
      {},
    );
    const thrown = (() => {
      try {
        readSettings({ structured, days: setting('KW_TEST_DAYS', wholeNumber(1, 7), 7) }, { KW_TEST_JSON: '{', KW_TEST_DAYS: '8' });
      } catch (error) {
        return error as ConfigError;
      }
    })();
    expect(thrown?.message).toBe('invalid configuration: KW_TEST_JSON is not JSON; KW_TEST_DAYS must be a whole number from 1 to 7');
    expect(thrown?.cause).toBeInstanceOf(ConfigError);
  });

  it('a lazy reader reads process.env once, on first use', () => {
    process.env.KW_TEST_LAZY = '3';
    const read = lazySettings({ value: setting('KW_TEST_LAZY', wholeNumber(1, 9), 1) });
    process.env.KW_TEST_LAZY = '4';
    expect(read().value).toBe(4);
    process.env.KW_TEST_LAZY = '5';
    expect(read().value).toBe(4);
    delete process.env.KW_TEST_LAZY;
  });

  it('whole numbers are digits only: signs, decimals, exponents and hex are refused', () => {
    const days = { days: setting('KW_TEST_DAYS', wholeNumber(0, 100), 7) };
    for (const text of ['-1', '1.5', '1e2', '0x10', '5s']) expect(() => readSettings(days, { KW_TEST_DAYS: text }), text).toThrow(/KW_TEST_DAYS must be a whole number from 0 to 100/);
    expect(readSettings(days, { KW_TEST_DAYS: '0' }).days).toBe(0);
  });
});
