import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { invokeBundle } from '../../cli/bundles';
import { dynamoDb } from '../../shared/aws/clients';
import { DynamoDbBindingStore } from '../../shared/aws/dynamodb-binding-store';
import { DynamoDbRotationLedger } from '../../shared/aws/dynamodb-rotation-ledger';
import { REVOKE_GRANT_TTL_SECONDS, rotationLedgerTableName } from '../../shared/rotation/ledger';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { boundEngineOf, type DatabaseBinding } from '../../shared/rotation/binding';
import { bindingFromCurrent } from '../../shared/rotation/binding-proposal';
import { isSecretArn } from '../../shared/rotation/binding-record';
import { bindingsTableName } from '../../shared/rotation/settings';
import { playRotation, type RotationEvent, type RotationReport } from '../../shared/rotation/driver';
import { ROTATION_STEPS, type RotationStep } from '../../shared/rotation/request';

/**
 * Helpers for database rotation tests: secrets in the local AWS, rotations played through the
 * built rotate bundle, and a client that keeps logging in while they run.
 */
export const sm = new SecretsManagerClient({});

/** The stage the integration tests package; the rotate bundle finds its table and bus by it. */
const STAGE = 'ci';

/** The stage's bindings table in the local AWS, written as `keywarden bind` writes it. */
export function bindings(): DynamoDbBindingStore {
  return new DynamoDbBindingStore(dynamoDb(), bindingsTableName(STAGE));
}

/**
 * Binds a database or Redis secret as an administrator would with `keywarden bind <secret>
 * --from-current --yes` right after creating it: its current value's host, port, database, user
 * (and clone) and master, plaintext unless the value asks for TLS (the test servers have none),
 * plus `overrides`. Returns the binding written.
 */
export async function bindSecret(name: string, overrides: Partial<DatabaseBinding> = {}): Promise<DatabaseBinding> {
  const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
  const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key!, tag.Value!]));
  const { SecretString } = await sm.send(new GetSecretValueCommand({ SecretId: name }));
  const value = JSON.parse(SecretString!) as Record<string, unknown>;
  const masterArn = typeof value.masterarn === 'string' ? await fullArn(value.masterarn) : undefined;
  const proposed = bindingFromCurrent({ arn: described.ARN!, name, tags }, SecretString!, { masterArn, plaintext: value.ssl !== true });
  const binding = { ...proposed, ...overrides };
  await bindings().put(binding);
  return binding;
}

async function fullArn(secretId: string): Promise<string> {
  if (isSecretArn(secretId)) return secretId;
  return (await sm.send(new DescribeSecretCommand({ SecretId: secretId }))).ARN!;
}

/** Invokes one step of the built rotate bundle. */
export async function invokeStep(event: RotationEvent): Promise<void> {
  await invokeBundle('rotate', event);
}

/**
 * Creates a secret tagged for the ci stage; returns its ARN. A database or Redis secret (its
 * `engine` names one) is bound from its value at once (see bindSecret), unless `bind` is false.
 */
export async function createSecret(name: string, value: object, tags: Record<string, string> = {}, options: { bind?: boolean } = {}): Promise<string> {
  const all = { 'keywarden:stage': STAGE, ...tags };
  const out = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value), Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }),
  );
  const engine = (value as { engine?: unknown }).engine;
  if (options.bind !== false && typeof engine === 'string' && boundEngineOf(engine)) await bindSecret(name);
  return out.ARN!;
}

/** The parsed value of a secret at a staging label. */
export async function valueAt(name: string, stage = 'AWSCURRENT'): Promise<Record<string, unknown> & { username: string; password: string }> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
  return JSON.parse(out.SecretString!);
}

/** One full rotation through the bundle, as Secrets Manager would run it. */
export function rotate(name: string, options: { token?: string; invoke?: (event: RotationEvent) => Promise<void> } = {}): Promise<RotationReport> {
  return playRotation(name, { start: rotateSecretStarter(sm, 30), invoke: options.invoke ?? invokeStep, token: options.token });
}

/** Starts a rotation and runs its steps up to (not including) `stopBefore`; returns the token. */
export async function rotateUntil(name: string, stopBefore: RotationStep): Promise<string> {
  const token = crypto.randomUUID();
  await rotateSecretStarter(sm, 30)(name, token);
  for (const step of ROTATION_STEPS) {
    if (step === stopBefore) break;
    await invokeStep({ Step: step, SecretId: name, ClientRequestToken: token });
  }
  return token;
}

/** Runs steps `from` onwards of a started rotation. */
export async function resume(name: string, token: string, from: RotationStep): Promise<void> {
  for (const step of ROTATION_STEPS.slice(ROTATION_STEPS.indexOf(from))) {
    await invokeStep({ Step: step, SecretId: name, ClientRequestToken: token });
  }
}

/**
 * Revokes the credential that rotation `token` replaced, through the built bundle, as emergency
 * rotation does: a grant in the rotation ledger (table of the test stage, `ci`), then
 * `{"Action": "revokePrevious", ...}` to the rotate function.
 */
export async function revokeThroughBundle(name: string, token: string): Promise<{ revoked: boolean; detail: string }> {
  const arn = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
  await new DynamoDbRotationLedger(dynamoDb(), rotationLedgerTableName('ci')).grantRevoke(arn, token, `test-${token}`, REVOKE_GRANT_TTL_SECONDS);
  return (await invokeBundle('rotate', { Action: 'revokePrevious', SecretId: name, ClientRequestToken: token })) as { revoked: boolean; detail: string };
}

/** What a continuously logging-in client saw. */
export interface LoginStats {
  attempts: number;
  failures: number;
  /** Each stretch of consecutive failed logins, in milliseconds from first failure to next success. */
  windowsMs: number[];
  errors: string[];
}

/**
 * A client that, until stopped, reads AWSCURRENT and logs in with it, again and again, like an
 * application that fetches its credential for every new connection.
 */
export function loginContinuously(name: string, login: (credential: { username: string; password: string }) => Promise<void>): { stop(): Promise<LoginStats> } {
  const stats: LoginStats = { attempts: 0, failures: 0, windowsMs: [], errors: [] };
  let running = true;
  let failingSince: number | undefined;
  const loop = (async () => {
    while (running) {
      const credential = await valueAt(name);
      stats.attempts += 1;
      try {
        await login(credential);
        if (failingSince !== undefined) stats.windowsMs.push(performance.now() - failingSince);
        failingSince = undefined;
      } catch (error) {
        stats.failures += 1;
        if (stats.errors.length < 5) stats.errors.push((error as Error).message);
        failingSince ??= performance.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (failingSince !== undefined) stats.windowsMs.push(performance.now() - failingSince);
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return stats;
    },
  };
}
