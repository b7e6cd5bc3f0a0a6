import { DescribeSecretCommand, RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secrets-store';
import type { RotationStarter } from '../rotation/driver';

/**
 * RotateSecret with a token of our choosing and no function to invoke: against the local AWS it
 * stages the empty AWSPENDING version, and the caller invokes the steps itself.
 */
export function rotateSecretStarter(client: SecretsManagerClient, everyDays?: number): RotationStarter {
  return async (secretId, token) => {
    await client.send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        RotationRules: everyDays ? { AutomaticallyAfterDays: everyDays } : undefined,
      }),
    );
  };
}

/** How a rotation that the service runs (real AWS) ended, as far as DescribeSecret shows. */
export interface ServiceRotationOutcome {
  token: string;
  state: 'finished' | 'still-pending' | 'replaced';
  waitedMs: number;
}

/**
 * Asks Secrets Manager to rotate now and waits until the new version is AWSCURRENT, the
 * rotation is replaced by another, or the timeout passes.
 */
export async function requestServiceRotation(
  client: SecretsManagerClient,
  secretId: string,
  options: { timeoutMs: number; pollMs?: number; sleep?: (ms: number) => Promise<void>; token?: string },
): Promise<ServiceRotationOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: secretId, ...(options.token && { ClientRequestToken: options.token }) }));
  const token = VersionId ?? '';
  for (;;) {
    const stages = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages?.[token] ?? [];
    const waitedMs = Date.now() - started;
    if (stages.includes(AWSCURRENT)) return { token, state: 'finished', waitedMs };
    if (!stages.includes(AWSPENDING)) return { token, state: 'replaced', waitedMs };
    if (waitedMs >= options.timeoutMs) return { token, state: 'still-pending', waitedMs };
    await sleep(options.pollMs ?? 2000);
  }
}
