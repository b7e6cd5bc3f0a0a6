import type { IamAccessKeyBinding } from './binding-iam-access-key';

/**
 * What the `iam-access-key` strategy needs from IAM and STS, behind an interface so the strategy
 * never imports the SDK (the adapter, shared/aws/iam-access-keys.ts, loads with its chunk only
 * when an IAM key rotates). Every call names the bound user; key ids come from IAM's own answer.
 */

/** One of a user's access keys, as ListAccessKeys shows it. */
export interface AccessKeyInfo {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
}

/** A key IAM just created; the secret is in memory only until it is stored in the secret. */
export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** GetAccessKeyLastUsed: whose key it is and where it was last used (no date: never used). */
export interface AccessKeyLastUse {
  userName: string;
  lastUsedAt?: Date;
  serviceName?: string;
  region?: string;
}

/** The key calls on one user's account (through the binding's role, when it names one). */
export interface IamKeyAdmin {
  listKeys(user: string): Promise<AccessKeyInfo[]>;
  createKey(user: string): Promise<NewAccessKey>;
  setStatus(user: string, accessKeyId: string, status: AccessKeyInfo['status']): Promise<void>;
  deleteKey(user: string, accessKeyId: string): Promise<void>;
  /** Undefined when the key does not exist (any more). */
  lastUse(accessKeyId: string): Promise<AccessKeyLastUse | undefined>;
}

/** Who a key is, from STS GetCallerIdentity called *with* that key. */
export interface CallerIdentity {
  arn: string;
  account: string;
}

/** Everything the strategy reaches IAM and STS through. */
export interface IamKeyServices {
  /** The admin for the binding's account (assuming its role first, when it names one). */
  admin(binding: IamAccessKeyBinding): Promise<IamKeyAdmin>;
  /** Calls STS with exactly these credentials; throws IamCallError when STS refuses them. */
  callerIdentity(credentials: { accessKeyId: string; secretAccessKey: string }): Promise<CallerIdentity>;
}
