import { ConfigError, RotationRefusedError } from '../errors';

/**
 * Rotation of a secret that lives in another AWS account than the rotate function (issue 16).
 *
 * Secrets Manager in account B invokes the rotate function in account A with the secret's full ARN
 * and a `RotationToken`. The function assumes a role in B and makes every Secrets Manager call of
 * that rotation through it, passing the token on PutSecretValue so the service can tell the call
 * comes from the rotation it started.
 *
 * Who decides which role: an administrator, in the deployment's configuration
 * (`KEYWARDEN_ROTATION_ACCOUNT_ROLES`, one role per account), never the secret's value, its tags or
 * the event. The account comes from the secret's ARN, and the role must be in that same account:
 * a configured role of a third account, or a secret in an account with no configured role, is
 * refused with a finding before any call to that account.
 */

/** The rule id of every refusal in this module. */
export const CROSS_ACCOUNT_REFUSED = 'rotation.cross-account-refused';

/** The variable an administrator sets (serverless.yml param `rotationAccountRoles`). */
export const ACCOUNT_ROLES_ENV = 'KEYWARDEN_ROTATION_ACCOUNT_ROLES';

/** Account id → the role the rotate function assumes there. */
export type AccountRoles = ReadonlyMap<string, string>;

/** Where a step's Secrets Manager calls go: the function's own account, or a role in another. */
export type RotationAccount = { kind: 'home' } | { kind: 'other'; account: string; roleArn: string; rotationToken?: string };

const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const SECRET_ARN_ACCOUNT = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:(\d{12}):secret:/;
const FUNCTION_ARN_ACCOUNT = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/;
/** Secrets Manager's RotationToken is at most 256 characters (API reference). */
const MAX_ROTATION_TOKEN = 256;

/**
 * Reads `KEYWARDEN_ROTATION_ACCOUNT_ROLES`: a JSON object of account id to role ARN, e.g.
 * `{"111111111111":"arn:aws:iam::111111111111:role/keywarden-prod-member-rotation"}`. Unset or
 * empty: no other account (the single-account behaviour, unchanged). Syntax is checked here; that
 * each role is in its own account is checked at every rotation, so one wrong entry refuses only
 * that account's secrets, with a finding.
 *
 * @throws ConfigError naming the entry that is not an account id or a role ARN.
 */
export function parseAccountRoles(text: string | undefined): AccountRoles {
  if (text === undefined || text.trim() === '') return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`invalid configuration: ${ACCOUNT_ROLES_ENV} is not JSON (expected {"<account id>": "<role ARN>"})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`invalid configuration: ${ACCOUNT_ROLES_ENV} is not a JSON object of account id to role ARN`);
  const roles = new Map<string, string>();
  for (const [account, role] of Object.entries(raw as Record<string, unknown>)) {
    if (!ACCOUNT.test(account)) throw new ConfigError(`invalid configuration: ${ACCOUNT_ROLES_ENV} has a key that is not a 12-digit account id`);
    if (typeof role !== 'string' || !ROLE_ARN.test(role)) throw new ConfigError(`invalid configuration: ${ACCOUNT_ROLES_ENV} names no IAM role ARN for account ${account}`);
    roles.set(account, role);
  }
  return roles;
}

/** The account of a full secret ARN; undefined for a name or partial ARN. */
export function accountOfSecretArn(secretId: string): string | undefined {
  return SECRET_ARN_ACCOUNT.exec(secretId)?.[1];
}

/** The account of a Lambda function ARN (the context's invokedFunctionArn). */
export function accountOfFunctionArn(functionArn: string | undefined): string | undefined {
  return functionArn === undefined ? undefined : FUNCTION_ARN_ACCOUNT.exec(functionArn)?.[1];
}

/** The account of an IAM role ARN. */
export function accountOfRoleArn(roleArn: string): string | undefined {
  return ROLE_ARN.exec(roleArn)?.[1];
}

/** What the rotate function was asked, as far as the account goes. */
export interface AccountRequest {
  secretId: string;
  /** The event's RotationToken; required for a step in another account that writes a value. */
  rotationToken?: string;
  /** True for a step that calls PutSecretValue (createSecret); its token is required. */
  writesValue: boolean;
}

/**
 * Which account a request's Secrets Manager calls go to, and through which role. With no roles
 * configured every call stays in the function's own account, exactly as before. Otherwise a
 * secret named by a full ARN of another account needs that account's configured role, in that
 * account, and (for a step that writes a value) the event's RotationToken.
 *
 * @throws RotationRefusedError (rule {@link CROSS_ACCOUNT_REFUSED}) naming what is wrong; nothing
 *   has been called in any account yet.
 * @throws ConfigError when roles are configured but the function's own account is unknown.
 */
export function rotationAccountOf(request: AccountRequest, roles: AccountRoles, homeAccount: string | undefined): RotationAccount {
  const account = accountOfSecretArn(request.secretId);
  if (roles.size === 0 || account === undefined) return { kind: 'home' };
  if (homeAccount === undefined) throw new ConfigError(`invalid configuration: ${ACCOUNT_ROLES_ENV} is set but the function's own account is unknown (set KEYWARDEN_ACCOUNT_ID)`);
  if (account === homeAccount) return { kind: 'home' };
  const roleArn = roles.get(account);
  if (roleArn === undefined) throw refusal('account', `is in account ${account}, for which no rotation role is configured (${ACCOUNT_ROLES_ENV}); an administrator adds one`);
  if (accountOfRoleArn(roleArn) !== account) {
    throw refusal('role', `is in account ${account} but the role configured for it is in account ${accountOfRoleArn(roleArn) ?? 'unknown'}; a role is only ever assumed in the secret's own account`);
  }
  const token = request.rotationToken;
  if (token === undefined) {
    if (request.writesValue) throw refusal('RotationToken', `is in account ${account} and the event carries no RotationToken, which Secrets Manager sends with every rotation it starts`);
    return { kind: 'other', account, roleArn };
  }
  if (token.length === 0 || token.length > MAX_ROTATION_TOKEN || !/^[\x21-\x7e]+$/.test(token)) throw refusal('RotationToken', `is in account ${account} and the event's RotationToken is not one Secrets Manager writes`);
  return { kind: 'other', account, roleArn, rotationToken: token };
}

function refusal(field: string, problem: string): RotationRefusedError {
  return new RotationRefusedError(`the secret ${problem}; refused before any call to that account (rule ${CROSS_ACCOUNT_REFUSED})`, { rule: CROSS_ACCOUNT_REFUSED, field });
}
