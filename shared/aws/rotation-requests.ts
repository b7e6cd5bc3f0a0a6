import { randomUUID } from 'node:crypto';
import { DescribeSecretCommand, RotateSecretCommand, UpdateSecretVersionStageCommand, type RotationRulesType, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secrets-store';
import type { RotationStarter } from '../rotation/driver';

/** The rotation rules a RotateSecret sets: every N days, or a cron/rate schedule and its window. */
export interface RotationRulesInput {
  everyDays?: number;
  /** `RotationRules.ScheduleExpression`, already validated (shared/schedule). */
  schedule?: string;
  /** `RotationRules.Duration`, e.g. `3h`. */
  window?: string;
}

/** The SDK's RotationRules for `rules` (a bare number is every N days); undefined for none. */
export function rotationRulesOf(rules: number | RotationRulesInput | undefined): RotationRulesType | undefined {
  const given = typeof rules === 'number' ? { everyDays: rules } : (rules ?? {});
  const out: RotationRulesType = {};
  if (given.everyDays) out.AutomaticallyAfterDays = given.everyDays;
  if (given.schedule) out.ScheduleExpression = given.schedule;
  if (given.window) out.Duration = given.window;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * RotateSecret with a token of our choosing and no function to invoke: against the local AWS it
 * stages the empty AWSPENDING version, and the caller invokes the steps itself. With
 * `rotateImmediately: false` the service instead stages a copy of AWSCURRENT for the function's
 * testSecret alone (see {@link removeTestVersion}).
 */
export function rotateSecretStarter(client: SecretsManagerClient, rules?: number | RotationRulesInput, options: { rotateImmediately?: boolean } = {}): RotationStarter {
  return async (secretId, token) => {
    await client.send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        RotationRules: rotationRulesOf(rules),
        ...(options.rotateImmediately === false ? { RotateImmediately: false } : {}),
      }),
    );
  };
}

/**
 * What Secrets Manager does after RotateImmediately=false's testSecret: "the test creates an
 * AWSPENDING version of the secret and then removes it". Locally the driver plays the service, so
 * it takes the label off the test version itself; a version already without it is left alone.
 */
export async function removeTestVersion(client: SecretsManagerClient, secretId: string, token: string): Promise<void> {
  const stages = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages?.[token] ?? [];
  if (!stages.includes(AWSPENDING)) return;
  await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: AWSPENDING, RemoveFromVersionId: token }));
}

/**
 * {@link rotateSecretStarter} for a secret in another account, reached with `client`'s (assumed)
 * credentials: the local AWS is told the RotationToken the service would have sent the function
 * (header `x-keywarden-rotation-token`, cli/local/moto_patches/secretsmanager.py), and the starter returns
 * it for the steps' events.
 */
export function rotateSecretStarterWithToken(client: SecretsManagerClient, rules?: number | RotationRulesInput): RotationStarter {
  return async (secretId, token) => {
    const rotationToken = randomUUID();
    const command = new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token, RotationRules: rotationRulesOf(rules) });
    command.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-keywarden-rotation-token'] = rotationToken;
        return next(args);
      },
      { step: 'build', name: 'keywardenRotationToken' },
    );
    await client.send(command);
    return { rotationToken };
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
  options: { timeoutMs: number; pollMs?: number; sleep?: (ms: number) => Promise<void>; rules?: RotationRulesInput; token?: string },
): Promise<ServiceRotationOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  const { VersionId } = await client.send(
    new RotateSecretCommand({ SecretId: secretId, RotationRules: rotationRulesOf(options.rules), ...(options.token && { ClientRequestToken: options.token }) }),
  );
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

/**
 * RotateSecret with RotateImmediately=false against AWS: the service sets the rules and runs the
 * function's testSecret on a test version it then removes; nothing rotates until the next window.
 */
export async function requestScheduleOnly(client: SecretsManagerClient, secretId: string, rules: RotationRulesInput): Promise<{ versionId?: string }> {
  const out = await client.send(new RotateSecretCommand({ SecretId: secretId, RotationRules: rotationRulesOf(rules), RotateImmediately: false }));
  return out.VersionId ? { versionId: out.VersionId } : {};
}
