import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { LOCAL_REGION, localEnv } from '../../cli/local/env';
import { KEYWARDEN_DIR } from '../../cli/local/paths';
import { createResources, defaultClients } from '../../cli/local/resources';
import { startServer, stopServer } from '../../cli/local/server';
import { loadPackagedTemplate } from '../../cli/local/template';
import { ensureVenv } from '../../cli/local/venv';
import { resetClients } from '../../shared/aws/clients';
import { roleStatements, type TemplateResource } from './template';
import { pointAtLocalAws } from './local-aws';

/**
 * A second local AWS, of the IAM access key tests only, that checks every request's signature
 * against moto's IAM: an unknown, deleted or (with cli/local/moto_patches/iam.py) inactive access key is
 * refused with InvalidClientTokenId, and each call must be allowed by the caller's policies. The
 * shared test moto accepts any key, so it could not tell a revoked key from a working one.
 *
 * Setup runs unauthenticated (moto's INITIAL_NO_AUTH_ACTION_COUNT is unlimited by default); then
 * POST /moto-api/reset-auth 0 turns authentication on for every later request.
 */

/** An access key pair. */
export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AuthAws {
  endpoint: string;
  /** A user allowed everything: the tests' own calls (an administrator's). */
  admin: KeyPair;
  /**
   * The rotate bundle's user: every action the packaged template gives RotateRole (its own policy
   * and the attached ones, deploy/iam-access-key.yml included), on `*`, since moto matches
   * resources only against `*`. So a call the template forgot is refused here.
   */
  rotator: KeyPair;
  /** The prefix of every IAM user these tests create (unique to this run). */
  prefix: string;
  stop(): Promise<void>;
}

export async function startAuthAws(): Promise<AuthAws> {
  const venv = await ensureVenv();
  mkdirSync(join(KEYWARDEN_DIR, 'test'), { recursive: true });
  const logFile = join(KEYWARDEN_DIR, 'test', `moto-iam-auth-${process.pid}.log`);
  const server = await startServer({ python: venv.python, logFile, detached: false });
  const stop = async () => {
    await stopServer(server.pid);
    rmSync(logFile, { force: true });
  };
  try {
    Object.assign(process.env, localEnv(server.endpoint));
    resetClients();
    const packaged = loadPackagedTemplate(inject('awsTemplatePath')).template;
    await createResources(packaged, { stackName: inject('awsStackName'), clients: defaultClients() });
    const iam = new IAMClient(clientConfig(server.endpoint, { accessKeyId: 'setup', secretAccessKey: 'setup' }));
    const prefix = `kw_iam_${Math.random().toString(36).slice(2, 8)}`;
    const admin = await userWithPolicy(iam, `${prefix}_admin`, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    const actions = templateActions(packaged.Resources as Record<string, TemplateResource>, 'RotateRole');
    const rotator = await userWithPolicy(iam, `${prefix}_rotator`, [{ Effect: 'Allow', Action: actions, Resource: '*' }]);
    const response = await fetch(`${server.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    if (!response.ok) throw new Error(`turning moto's authentication on failed: HTTP ${response.status}`);
    return { endpoint: server.endpoint, admin, rotator, prefix, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    pointAtLocalAws();
  }
}

/** Every action the role's statements allow (never a wildcard: the template test checks that). */
export function templateActions(resources: Record<string, TemplateResource>, roleId: string): string[] {
  const actions = roleStatements(resources, roleId).flatMap((statement) => [statement.Action].flat() as string[]);
  return [...new Set(actions)].sort();
}

async function userWithPolicy(iam: IAMClient, name: string, statements: object[]): Promise<KeyPair> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'test', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

/** SDK settings for a client of this moto with `credentials`. */
export function clientConfig(endpoint: string, credentials: KeyPair) {
  return { endpoint, region: LOCAL_REGION, credentials, maxAttempts: 1 };
}

/** The variables that point the rotate bundle (in this process) at this moto, as the rotator. */
export function rotatorEnv(aws: AuthAws): Record<string, string> {
  return {
    ...localEnv(aws.endpoint),
    AWS_ACCESS_KEY_ID: aws.rotator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.rotator.secretAccessKey,
    KEYWARDEN_IAM_KEY_PROPAGATION_SECONDS: '0',
  };
}

/** The administrator's clients. */
export function adminClients(aws: AuthAws) {
  const config = clientConfig(aws.endpoint, aws.admin);
  return { iam: new IAMClient(config), sm: new SecretsManagerClient(config), ddb: new DynamoDBClient(config) };
}

/** What STS says of a key: its user's ARN, or the error name it was refused with. */
export async function whoIs(aws: Pick<AuthAws, 'endpoint'>, key: KeyPair): Promise<string> {
  const sts = new STSClient(clientConfig(aws.endpoint, key));
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
  } catch (error) {
    return `refused: ${(error as Error).name}`;
  } finally {
    sts.destroy();
  }
}

/** A user's keys as IAM lists them: id and status. */
export async function keysOf(iam: IAMClient, user: string): Promise<Array<{ id: string; status: string }>> {
  const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  return (AccessKeyMetadata ?? []).map((key) => ({ id: key.AccessKeyId!, status: key.Status! })).sort((a, b) => a.id.localeCompare(b.id));
}
