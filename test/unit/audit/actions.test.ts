import { describe, expect, it } from 'vitest';
import { actionClassOf, isDenied, readsSecretValue } from '../../../shared/audit/actions';

describe('action classes', () => {
  it.each([
    ['GetSecretValue', 'read', true],
    ['BatchGetSecretValue', 'read', true],
    ['DescribeSecret', 'read', false],
    ['ListSecrets', 'list', false],
    ['PutSecretValue', 'write', false],
    ['DeleteSecret', 'delete', false],
    ['PutResourcePolicy', 'policy', false],
    ['UpdateSecretVersionStage', 'rotation', false],
    ['RotationFailed', 'rotation', false],
    ['SomeFutureCall', 'other', false],
    ['constructor', 'other', false],
  ])('%s is %s (reads a value: %s)', (name, actionClass, value) => {
    expect(actionClassOf(name)).toBe(actionClass);
    expect(readsSecretValue(name)).toBe(value);
  });

  it('knows a denial from other errors', () => {
    expect(isDenied('AccessDenied')).toBe(true);
    expect(isDenied('AccessDeniedException')).toBe(true);
    expect(isDenied('ResourceNotFoundException')).toBe(false);
    expect(isDenied(undefined)).toBe(false);
  });
});
