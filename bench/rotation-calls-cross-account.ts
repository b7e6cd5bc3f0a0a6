import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { invokeBundle } from '../cli/bundles';
import { rotateSecretStarterWithToken } from '../shared/aws/rotation-requests';
import { ACCOUNT_ROLES_ENV } from '../shared/rotation/cross-account';
import { playRotation } from '../shared/rotation/driver';
import { callsByService } from './stage';
import { median } from './stats';
import { resourceNames } from '../shared/resource-names';

const MEMBER = '111111111111';

/**
 * The same count for a password secret in another account (README "Many accounts"): every
 * Secrets Manager call goes through the role assumed there, PutSecretValue with the RotationToken.
 * Prints what cross-account adds: STS AssumeRole, once per role and session hour (per warm
 * container), not per call.
 */
export async function printCrossAccountCalls(options: { motoEndpoint: string; counts: Map<string, number>; rotations: number; roundTripMs: () => Promise<number> }): Promise<void> {
  const role = `arn:aws:iam::${MEMBER}:role/${resourceNames('bench').memberAccount.rotationRole}`;
  const credentials = (await new STSClient({ endpoint: options.motoEndpoint }).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/bench-admin`, RoleSessionName: 'bench' }))).Credentials!;
  const member = new SecretsManagerClient({ endpoint: options.motoEndpoint, credentials: { accessKeyId: credentials.AccessKeyId!, secretAccessKey: credentials.SecretAccessKey!, sessionToken: credentials.SessionToken } });
  const created = await member.send(new CreateSecretCommand({ Name: 'bench/tenant-1/member-password', SecretString: '{"owner":"bench"}', Tags: [{ Key: 'keywarden:strategy', Value: 'password' }] }));
  const previous = process.env[ACCOUNT_ROLES_ENV];
  process.env[ACCOUNT_ROLES_ENV] = JSON.stringify({ [MEMBER]: role });
  try {
    const rotateOnce = async () => {
      const began = performance.now();
      const report = await playRotation(created.ARN!, { start: rotateSecretStarterWithToken(member, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
      if (!report.ok) throw new Error(`cross-account rotation failed at ${report.failedStep}: ${report.steps.at(-1)?.error}`);
      return performance.now() - began;
    };
    options.counts.clear();
    await rotateOnce(); // the first: assumes the role
    const first = [...options.counts].filter(([op]) => op.startsWith('sts.')).map(([op, n]) => `${op.slice(4)} ${n}`);
    options.counts.clear();
    const rotationMs: number[] = [];
    for (let i = 0; i < options.rotations; i += 1) rotationMs.push(await rotateOnce());
    const { secretsManager: calls } = callsByService(options.counts, options.rotations);
    const sts = [...options.counts].filter(([op]) => op.startsWith('sts.')).map(([op, n]) => `${op.slice(4)} ${n / options.rotations}`);
    const total = calls.reduce((sum, [, n]) => sum + n, 0);
    const roundTrip = await options.roundTripMs();
    console.log(
      `${'password, member'.padEnd(19)} ${total} calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')}) through the member account's role; ` +
        `STS ${sts.join(', ') || 'none'} per rotation once warm (${first.join(', ') || 'none'} at the first); rotation ${median(rotationMs).toFixed(1)} ms = ${(median(rotationMs) / roundTrip).toFixed(1)}x one DescribeSecret round trip`,
    );
  } finally {
    if (previous === undefined) delete process.env[ACCOUNT_ROLES_ENV];
    else process.env[ACCOUNT_ROLES_ENV] = previous;
  }
}
