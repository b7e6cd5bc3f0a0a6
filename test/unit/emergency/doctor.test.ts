import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { diagnose } from '../../../shared/emergency/doctor';
import { inventoryOf, type SecretSummary } from '../../../shared/staleness/inventory';

const NOW = '2026-11-23T12:00:00Z';
const secret = (name: string, extra: Partial<SecretSummary>): SecretSummary => ({
  arn: `arn:${name}`,
  name,
  tags: {},
  rotationEnabled: false,
  versions: { v1: ['AWSCURRENT'] },
  lastChangedDate: new Date('2026-11-01T00:00:00Z'),
  ...extra,
});

describe('doctor diagnose', () => {
  const exists = async (arn: string | undefined) => (arn === undefined ? false : arn.endsWith(':rotate'));

  it('names each kind of problem, and only real ones', async () => {
    const problems = await diagnose(
      inventoryOf([
        secret('healthy', { rotationEnabled: true, rotationLambdaArn: 'fn:rotate', nextRotationDate: new Date('2026-12-01T00:00:00Z') }),
        secret('stuck', { versions: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } }),
        secret('no-function', { rotationEnabled: true }),
        secret('gone-function', { rotationEnabled: true, rotationLambdaArn: 'fn:deleted', nextRotationDate: new Date('2026-12-01T00:00:00Z') }),
        secret('overdue', { rotationEnabled: true, rotationLambdaArn: 'fn:rotate', nextRotationDate: new Date('2026-11-20T00:00:00Z') }),
      ]),
      exists,
      fixedClock(NOW),
    );
    expect(problems.map((p) => [p.secret, p.kind, p.fixable])).toEqual([
      ['stuck', 'stuck-rotation', true],
      ['no-function', 'rotation-without-function', false],
      ['gone-function', 'rotation-without-function', false],
      ['overdue', 'rotation-failing', false],
    ]);
  });

  it('does not judge functions it cannot check (the local AWS)', async () => {
    const problems = await diagnose(inventoryOf([secret('local', { rotationEnabled: true })]), async () => undefined, fixedClock(NOW));
    expect(problems).toEqual([]);
  });
});
