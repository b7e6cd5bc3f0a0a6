import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../shared/errors';
import { parseStalenessEvent } from '../../../shared/staleness/request';

describe('parseStalenessEvent', () => {
  it('takes the schedule time of an EventBridge scheduled event as the instant to assess', () => {
    const event = { version: '0', id: 'e', 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2025-06-01T13:00:00Z', region: 'us-east-1', resources: [], detail: {} };
    expect(parseStalenessEvent(event)).toEqual({ asOf: new Date('2025-06-01T13:00:00Z') });
  });

  it('reads the sample event in events/ (the one `serverless invoke local` uses)', () => {
    const sample = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'events', 'staleness-scheduled.json'), 'utf8'));
    expect(parseStalenessEvent(sample)).toEqual({ asOf: new Date('2025-06-01T13:00:00Z') });
  });

  it('assesses now for a manual invoke', () => {
    expect(parseStalenessEvent({})).toEqual({});
    expect(parseStalenessEvent(undefined)).toEqual({});
  });

  it('refuses what it cannot read, saying what is wrong', () => {
    expect(() => parseStalenessEvent('go')).toThrow(InvalidRequestError);
    expect(() => parseStalenessEvent([1])).toThrow(/takes an object/);
    expect(() => parseStalenessEvent({ time: 'yesterday' })).toThrow(/time must be an ISO 8601 date-time/);
  });
});
