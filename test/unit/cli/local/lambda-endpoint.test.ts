import { describe, expect, it } from 'vitest';
import { bundleName } from '../../../../cli/local/lambda-endpoint';

describe('the local Lambda endpoint', () => {
  it('maps names and ARNs of this stage to bundles', () => {
    expect(bundleName('keywarden-ci-rotate', 'ci')).toBe('rotate');
    expect(bundleName('arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotate', 'ci')).toBe('rotate');
    expect(bundleName('arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotate:$LATEST', 'ci')).toBe('rotate');
    expect(bundleName('emergency', 'ci')).toBe('emergency');
  });
});
