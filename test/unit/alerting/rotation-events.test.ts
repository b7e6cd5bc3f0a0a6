import { describe, expect, it } from 'vitest';
import { parseQueuedBody } from '../../../shared/alerting/envelope';
import { dedupKeyOf } from '../../../shared/finding';
import { rotationEventFinding } from '../../../shared/alerting/rotation-events';
import { InvalidRequestError } from '../../../shared/errors';
import { sampleEvent, sampleFinding } from '../../support/alert-samples';

const NAME = 'multitenant-ai-poc/tenant-1/database-password';

describe('Secrets Manager rotation events as findings', () => {
  it('turns RotationFailed into an open rotation.failed finding keyed by the secret name', () => {
    const finding = rotationEventFinding(sampleEvent('secretsmanager-rotation-failed.json'))!;
    expect(finding).toMatchObject({
      ruleId: 'rotation.failed',
      status: 'open',
      severity: 'high',
      source: 'rotation',
      secret: { name: NAME },
      tenant: 'tenant-1',
      dedupKey: dedupKeyOf('rotation.failed', NAME),
      evidence: { eventName: 'RotationFailed', errorMessage: expect.stringContaining('during setSecret step') },
    });
  });

  it('turns RotationSucceeded into the resolve of the same key, which the rotation producer uses too', () => {
    const resolved = rotationEventFinding(sampleEvent('secretsmanager-rotation-succeeded.json'))!;
    expect(resolved).toMatchObject({ status: 'resolved', dedupKey: dedupKeyOf('rotation.failed', NAME) });
    expect(sampleFinding('rotation').dedupKey).toBe(resolved.dedupKey);
  });

  it('leaves other Secrets Manager events alone', () => {
    const event = sampleEvent('secretsmanager-rotation-failed.json');
    const started = { ...event, detail: { ...(event.detail as object), eventName: 'RotationStarted' } };
    expect(rotationEventFinding(started)).toBeUndefined();
    expect(parseQueuedBody(JSON.stringify(started))).toEqual({ kind: 'ignored', reason: 'Secrets Manager event RotationStarted is not a rotation outcome' });
  });

  it('refuses a rotation event that names no secret', () => {
    const event = sampleEvent('secretsmanager-rotation-failed.json');
    const nameless = { ...event, detail: { ...(event.detail as object), additionalEventData: null } };
    expect(() => rotationEventFinding(nameless)).toThrow(InvalidRequestError);
  });
});

describe('parseQueuedBody', () => {
  it('reads a finding event from the keywarden bus, a service event, and a bare finding', () => {
    expect(parseQueuedBody(JSON.stringify(sampleEvent('finding-audit.json')))).toMatchObject({ kind: 'finding', origin: 'keywarden-bus', finding: { ruleId: 'audit.secret-harvesting' } });
    expect(parseQueuedBody(JSON.stringify(sampleEvent('secretsmanager-rotation-failed.json')))).toMatchObject({ kind: 'finding', origin: 'secrets-manager' });
    expect(parseQueuedBody(JSON.stringify(sampleFinding('staleness')))).toMatchObject({ kind: 'finding', origin: 'bare' });
  });

  it('says what is wrong with anything else', () => {
    expect(() => parseQueuedBody('not json')).toThrow('the message is not JSON (8 characters)');
    expect(() => parseQueuedBody('{"source":"aws.ec2"}')).toThrow('not a finding event, a Secrets Manager service event or a finding (source: aws.ec2)');
    const event = sampleEvent('finding-audit.json');
    const broken = { ...event, detail: { ...(event.detail as object), severity: 'urgent', dedupKey: '' } };
    expect(() => parseQueuedBody(JSON.stringify(broken))).toThrow(/not a valid finding: severity: .*; dedupKey: /);
  });
});
