import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../../shared/finding';
import { RotationRefusedError, SecretFormatError } from '../../../shared/errors';
import { raisingFindingOnRefusal, type RefusedRequest } from '../../../shared/rotation/refusal';
import { refusalFinding } from '../../../shared/rotation/refusal-finding';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/tenant-1/app-AbCdEf';
const request: RefusedRequest = { action: 'setSecret', secretId: ARN, token: 'token-1' };
const refusal = () => new RotationRefusedError('secret db/tenant-1/app: the pending value\'s "username" differs from the binding', { rule: 'rotation.binding-violation', field: 'username' });

describe('raisingFindingOnRefusal', () => {
  it('publishes the finding of a refusal, then throws the refusal', async () => {
    const published: Array<[RotationRefusedError, RefusedRequest]> = [];
    const deps = { publish: async (e: RotationRefusedError, r: RefusedRequest) => void published.push([e, r]), log: { error: () => undefined } };
    const error = refusal();
    await expect(raisingFindingOnRefusal(request, () => Promise.reject(error), deps)).rejects.toBe(error);
    expect(published).toEqual([[error, request]]);
  });

  it('a publish that fails is logged and does not hide the refusal', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const deps = { publish: () => Promise.reject(new Error('bus down')), log: { error: (_m: string, extra: Record<string, unknown>) => void logged.push(extra) } };
    const error = refusal();
    await expect(raisingFindingOnRefusal(request, () => Promise.reject(error), deps)).rejects.toBe(error);
    expect(logged).toEqual([expect.objectContaining({ rule: 'rotation.binding-violation', field: 'username', publishError: 'Error: bus down' })]);
  });

  it('publishes nothing for other failures', async () => {
    const deps = { publish: () => Promise.reject(new Error('must not be called')), log: { error: () => undefined } };
    await expect(raisingFindingOnRefusal(request, () => Promise.reject(new SecretFormatError('bad')), deps)).rejects.toThrow(SecretFormatError);
  });
});

describe('refusalFinding', () => {
  it('is a valid finding: rule, high, the secret by name and ARN, step and field, a runbook', () => {
    const finding = parseFinding(refusalFinding(refusal(), request, new Date('2026-12-03T00:00:00Z')));
    expect(finding).toMatchObject({
      ruleId: 'rotation.binding-violation',
      severity: 'high',
      source: 'rotation',
      secret: { name: 'db/tenant-1/app', arn: ARN },
      evidence: { step: 'setSecret', field: 'username', versionId: 'token-1' },
    });
    expect(finding.runbook).toContain('keywarden bind');
  });
});
