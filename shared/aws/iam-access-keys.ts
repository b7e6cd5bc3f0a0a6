import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IamCallError } from '../errors';
import { rememberSecret } from '../redact';
import type { IamAccessKeyBinding } from '../rotation/binding-iam-access-key';
import type { AccessKeyInfo, AccessKeyLastUse, CallerIdentity, IamKeyAdmin, IamKeyServices, NewAccessKey } from '../rotation/iam-key-services';
import { baseConfig, cached, type Factory } from './client-cache';

/**
 * IAM and STS for the `iam-access-key` strategy. The rotate function reaches this file only
 * through `await import()` in the strategy, so neither SDK client is parsed at a cold start.
 */

const iam: Factory<IAMClient> = cached('iam', () => new IAMClient(baseConfig()));
const sts: Factory<STSClient> = cached('sts', () => new STSClient(baseConfig()));

/** The services over the function's own credentials (and the binding's role, when it names one). */
export const iamKeyServices: IamKeyServices = {
  async admin(binding) {
    if (!binding.assumeRoleArn) return new SdkIamKeyAdmin(iam());
    return new SdkIamKeyAdmin(new IAMClient({ ...baseConfig(), credentials: await assumedRole(binding) }));
  },
  async callerIdentity(credentials) {
    const client = new STSClient({ ...baseConfig(), maxAttempts: 1, credentials });
    try {
      const out = await call('calling STS GetCallerIdentity with the new key', () => client.send(new GetCallerIdentityCommand({})));
      return { arn: out.Arn ?? '', account: out.Account ?? '' } satisfies CallerIdentity;
    } finally {
      client.destroy();
    }
  },
};

/** Temporary credentials of the binding's role; a session per step, named so CloudTrail shows it is keywarden. */
async function assumedRole(binding: IamAccessKeyBinding) {
  const out = await call(`assuming role ${binding.assumeRoleArn}`, () =>
    sts().send(
      new AssumeRoleCommand({
        RoleArn: binding.assumeRoleArn,
        RoleSessionName: 'keywarden-rotate',
        DurationSeconds: 900,
        ...(binding.externalId !== undefined && { ExternalId: binding.externalId }),
      }),
    ),
  );
  const creds = out.Credentials;
  if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new IamCallError(`assuming role ${binding.assumeRoleArn} returned no credentials`, 'NoCredentials');
  rememberSecret(creds.SecretAccessKey);
  rememberSecret(creds.SessionToken);
  return { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken };
}

class SdkIamKeyAdmin implements IamKeyAdmin {
  constructor(private readonly client: IAMClient) {}

  async listKeys(user: string): Promise<AccessKeyInfo[]> {
    const out = await call(`listing the access keys of IAM user ${user}`, () => this.client.send(new ListAccessKeysCommand({ UserName: user })));
    return (out.AccessKeyMetadata ?? []).map((key) => ({ accessKeyId: key.AccessKeyId ?? '', status: key.Status === 'Active' ? 'Active' : 'Inactive' }));
  }

  async createKey(user: string): Promise<NewAccessKey> {
    const out = await call(`creating an access key for IAM user ${user}`, () => this.client.send(new CreateAccessKeyCommand({ UserName: user })));
    const key = out.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new IamCallError(`IAM created no usable access key for user ${user}`, 'NoAccessKey');
    rememberSecret(key.SecretAccessKey);
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  }

  async setStatus(user: string, accessKeyId: string, status: AccessKeyInfo['status']): Promise<void> {
    await call(`setting access key ${accessKeyId} of IAM user ${user} ${status}`, () =>
      this.client.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId, Status: status })),
    );
  }

  async deleteKey(user: string, accessKeyId: string): Promise<void> {
    await call(`deleting access key ${accessKeyId} of IAM user ${user}`, () => this.client.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId })));
  }

  async lastUse(accessKeyId: string): Promise<AccessKeyLastUse | undefined> {
    try {
      const out = await call(`reading when access key ${accessKeyId} was last used`, () =>
        this.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
      );
      const used = out.AccessKeyLastUsed;
      const service = used?.ServiceName && used.ServiceName !== 'N/A' ? used.ServiceName : undefined;
      const region = used?.Region && used.Region !== 'N/A' ? used.Region : undefined;
      return { userName: out.UserName ?? '', ...(used?.LastUsedDate && { lastUsedAt: used.LastUsedDate }), ...(service && { serviceName: service }), ...(region && { region }) };
    } catch (error) {
      if (error instanceof IamCallError && error.code === 'NoSuchEntity') return undefined;
      throw error;
    }
  }
}

/** One SDK call; its failure becomes an IamCallError naming what keywarden was doing and the service's error name. */
async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const code = error instanceof Error ? error.name : 'Error';
    const said = error instanceof Error ? error.message.slice(0, 300) : '';
    throw new IamCallError(`${what} failed: ${code}${said ? ` (${said})` : ''}`, code, { cause: error });
  }
}
