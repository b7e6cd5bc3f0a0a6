import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../shared/errors';
import { parseRotationEvent } from '../../../shared/rotation/request';

describe('parseRotationEvent', () => {
  const good = { Step: 'createSecret', SecretId: 'app/t/s', ClientRequestToken: 'tok-1' };

  it('reads the service event', () => {
    expect(parseRotationEvent(good)).toEqual({ step: 'createSecret', secretId: 'app/t/s', token: 'tok-1' });
  });

  it('normalises the snake_case spelling', () => {
    expect(parseRotationEvent({ ...good, Step: 'finish_secret' }).step).toBe('finishSecret');
  });

  it.each([
    [null, /must be a JSON object/],
    [[], /must be a JSON object/],
    ['createSecret', /must be a JSON object/],
    [{ SecretId: 'a', ClientRequestToken: 't' }, /has no Step/],
    [{ ...good, Step: 'deleteSecret' }, /unknown rotation step "deleteSecret"/],
    [{ ...good, SecretId: '' }, /has no SecretId/],
    [{ ...good, SecretId: 42 }, /has no SecretId/],
    [{ Step: 'setSecret', SecretId: 'a' }, /has no ClientRequestToken/],
  ])('refuses %j with a message naming the problem', (event, message) => {
    expect(() => parseRotationEvent(event)).toThrow(InvalidRequestError);
    expect(() => parseRotationEvent(event)).toThrow(message);
  });
});
