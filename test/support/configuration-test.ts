import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { removeTestVersion, rotateSecretStarter } from '../../shared/aws/rotation-requests';
import type { StepOutcome } from '../../shared/rotation/contract';
import { playConfigurationTest, type RotationEvent } from '../../shared/rotation/driver';
import { sm } from './db-rotation';

/**
 * RotateSecret(RotateImmediately=false) as Secrets Manager runs it, played against the local AWS
 * with the built rotate bundle, and the checks every strategy must pass: testSecret alone,
 * AWSCURRENT unmoved, no version left AWSPENDING, the schedule set.
 */
export const RULES = { schedule: 'cron(0 3 ? * SUN *)', window: '3h' };

/** Runs the configuration test as the service would; returns what the bundle's testSecret answered. */
export async function configurationTest(name: string, client: SecretsManagerClient = sm): Promise<StepOutcome> {
  const before = await client.send(new GetSecretValueCommand({ SecretId: name }));
  const outcomes: StepOutcome[] = [];
  const report = await playConfigurationTest(name, {
    start: rotateSecretStarter(client, RULES, { rotateImmediately: false }),
    invoke: async (event: RotationEvent) => void outcomes.push((await invokeBundle('rotate', event)) as StepOutcome),
    remove: (id, token) => removeTestVersion(client, id, token),
  });
  expect(report.steps.map((step) => step.error)).toEqual([undefined]);
  expect(report.steps.map((step) => step.step)).toEqual(['testSecret']);
  const after = await client.send(new GetSecretValueCommand({ SecretId: name }));
  expect([after.VersionId, after.SecretString]).toEqual([before.VersionId, before.SecretString]);
  const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
  expect(Object.values(described.VersionIdsToStages ?? {}).flat()).toEqual(['AWSCURRENT']);
  expect(described.RotationEnabled).toBe(true);
  expect(described.RotationRules).toEqual({ ScheduleExpression: RULES.schedule, Duration: RULES.window });
  expect(outcomes).toEqual([expect.objectContaining({ step: 'testSecret', result: 'configuration-tested', token: report.token })]);
  return outcomes[0]!;
}

