import { describe, expect, it } from 'vitest';
import { SecretFormatError, SecretTestFailedError } from '../../../../shared/errors';
import {
  asTestFailure,
  isIsoInstant,
  optionalStringField,
  parseSecretObject,
  readSecretDocument,
  withOwnedFields,
} from '../../../../shared/rotation/values/json-secret';
import { CANARY, errorOf, everythingPrinted, rejectionOf } from '../../../support/strategy-context';

describe('parseSecretObject', () => {
  it('returns the members of a JSON object', () => {
    expect(parseSecretObject('{"a":1,"b":"x"}', 'app/t/s', 'current')).toEqual({ a: 1, b: 'x' });
  });

  it.each([
    ['not JSON', `password=${CANARY}`, /current value is not valid JSON/],
    ['truncated JSON', `{"password":"${CANARY}`, /current value is not valid JSON/],
    ['a JSON string', JSON.stringify(CANARY), /current value is JSON string, not a JSON object/],
    ['a JSON array', JSON.stringify([CANARY]), /current value is JSON array, not a JSON object/],
    ['JSON null', 'null', /current value is JSON null, not a JSON object/],
  ])('refuses %s without quoting it', (_label, value, expected) => {
    const error = errorOf(() => parseSecretObject(value, 'app/t/s', 'current'));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toMatch(expected);
    expect(error.message).toContain('secret app/t/s');
    expect(everythingPrinted(error)).not.toContain(CANARY);
    expect(everythingPrinted(error)).not.toContain('CANARY');
  });
});

describe('withOwnedFields', () => {
  it('replaces owned fields and keeps every other field in place', () => {
    const current = readSecretDocument('{"host":"db","password":"old","port":5432,"nested":{"a":[1]}}', 'app/t/s', 'current');
    const merged = withOwnedFields(current, { password: 'new', added: true });
    expect(merged).toBe('{"host":"db","password":"new","port":5432,"nested":{"a":[1]},"added":true}');
  });

  it('keeps an unowned field\'s exact text: big integers, 1.0, unicode escapes, spacing', () => {
    const text = '{\n  "id": 12345678901234567890,\n  "ratio": 1.0,\n  "name": "caf\\u00e9",\n  "password": "old"\n}';
    expect(withOwnedFields(readSecretDocument(text, 'app/t/s', 'current'), { password: 'new' })).toBe(text.replace('"old"', '"new"'));
  });
});

describe('attacks on the JSON of a secret', () => {
  it('attack: duplicate "password" keys are refused with the key named, not the value', () => {
    const error = errorOf(() => parseSecretObject(`{"password":"${CANARY}","password":"other"}`, 'app/t/s', 'current'));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toContain('has key "password" twice');
    expect(everythingPrinted(error)).not.toContain(CANARY);
  });

  it('attack: a duplicate key hidden in a nested key entry (spelled with an escape) is refused', () => {
    const error = errorOf(() => parseSecretObject('{"keys":[{"kid":"a"},{"kid":"b","\\u006bid":"c"}]}', 'app/t/s', 'pending'));
    expect(error.message).toContain('has key "keys[1].kid" twice');
  });

  it('attack: a duplicate key that is itself a long secret is named by position, never quoted', () => {
    const error = errorOf(() => parseSecretObject(`{"${CANARY}${CANARY}":1,"${CANARY}${CANARY}":2}`, 'app/t/s', 'current'));
    expect(error.message).toContain('has key "<member 2>" twice');
    expect(everythingPrinted(error)).not.toContain(CANARY);
  });
});

describe('optionalStringField', () => {
  const where = { secretName: 'app/t/s', label: 'current' as const };
  it('returns a string, undefined when absent, and refuses other types without quoting them', () => {
    expect(optionalStringField({ f: 'v' }, 'f', where)).toBe('v');
    expect(optionalStringField({}, 'f', where)).toBeUndefined();
    const error = errorOf(() => optionalStringField({ f: [CANARY] }, 'f', where));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toContain('field "f" of type array, expected a string');
    expect(error.message).not.toContain(CANARY);
  });
});

describe('isIsoInstant', () => {
  it('accepts toISOString output and refuses the rest', () => {
    expect(isIsoInstant(new Date(0).toISOString())).toBe(true);
    expect(isIsoInstant('2025-03-01T12:00:00Z')).toBe(true);
    expect(isIsoInstant('2025-03-01')).toBe(false);
    expect(isIsoInstant('2025-13-45T12:00:00Z')).toBe(false);
    expect(isIsoInstant(12)).toBe(false);
  });
});

describe('asTestFailure', () => {
  it('turns a format error into a failed test and lets other errors through', async () => {
    const failed = await rejectionOf(asTestFailure(() => parseSecretObject('[]', 'app/t/s', 'pending')));
    expect(failed).toBeInstanceOf(SecretTestFailedError);
    expect(failed.message).toContain('pending value is JSON array');
    const other = await rejectionOf(asTestFailure(() => Promise.reject(new TypeError('boom'))));
    expect(other).toBeInstanceOf(TypeError);
    await expect(asTestFailure(async () => 5)).resolves.toBe(5);
  });
});
