import type { Clock } from '../clock';
import type { RotationRefusedError } from '../errors';
import type { BindingStore } from '../rotation/binding';
import type { RefusedRequest } from '../rotation/refusal';
import { refusalFinding, secretOf } from '../rotation/refusal-finding';
import type { SecretMetadata, SecretsStore } from '../secrets-store';
import { auditTableFromEnv, bindingsTableFromEnv, findingsBusFromEnv, rotateAccountFromEnv } from '../rotation/settings';
import { checkConsumersBeforeInvalidating, type GateOutcome } from '../consumers/gate';
import { consumerSettingsFromEnv } from '../consumers/settings';
import { DynamoDbAuditStore } from './dynamodb-audit-store';
import { dynamoDb } from './dynamodb-client';
import { dynamoDbBindingStore } from './dynamodb-binding-store';
import { eventBridge } from './eventbridge-client';
import { EventBridgeFindingPublisher } from './eventbridge-finding-publisher';
import { EventBridgeRotationPublisher } from './eventbridge-rotation-publisher';
import { keyTenant, secretTenancyFromEnv } from '../secret-tenancy';
import { accountOfSecretArn, parseAccountRoles } from '../rotation/cross-account';
import type { AnnouncedFields } from '../rotation/announce';
import { rotationEventDetail } from '../rotation/rotation-event';

/**
 * What the rotate function needs only at some steps, in a module of its own that the handler
 * imports with `await import()`: the DynamoDB and EventBridge clients, and the finding and
 * runbooks of a refusal, load at the first step that needs them (a chunk of the bundle), never at
 * a cold start.
 */

/** The bindings table named by KEYWARDEN_BINDINGS_TABLE (or the stage). */
export function rotateBindingStore(): BindingStore {
  return dynamoDbBindingStore(bindingsTableFromEnv());
}

/**
 * Puts the refusal's finding on the keywarden bus named by KEYWARDEN_FINDINGS_BUS (or the stage).
 * Secrets Manager names the secret by ARN; a request that named it otherwise costs one
 * DescribeSecret here, on the refusal path only, so the finding carries the ARN too.
 */
export async function publishRefusal(error: RotationRefusedError, request: RefusedRequest, deps: { clock: Clock; store: SecretsStore }): Promise<void> {
  let secret = secretOf(request.secretId);
  if (!secret.arn) secret = await deps.store.describe(request.secretId).then(({ name, arn }) => ({ name, arn }), () => secret);
  const publisher = new EventBridgeFindingPublisher(eventBridge(), findingsBusFromEnv());
  await publisher.publish([refusalFinding(error, request, deps.clock.now(), secret)]);
}

/**
 * Puts a `keywarden.rotation` event on the keywarden bus, with the tenant from the secret's name
 * (the stage's tenancy settings), qualified by the account for a member account's secret as the
 * audit side keys it (`<account>:<tenant>`), so it never routes as a home tenant of the same name.
 * Called through shared/rotation/announce.ts, which never lets a failure here fail the rotation.
 */
export async function publishRotationEvent({ secretId, secretName, ...fields }: AnnouncedFields): Promise<void> {
  const named = secretOf(secretId);
  const secret = { name: secretName ?? named.name ?? secretId, ...(named.arn !== undefined && { arn: named.arn }) };
  const member = memberAccountOf(secret.arn ?? secretId);
  const tenant = keyTenant(member ? `${member}:${secret.name}` : secret.name, secretTenancyFromEnv());
  await new EventBridgeRotationPublisher(eventBridge(), findingsBusFromEnv()).publish(rotationEventDetail({ ...fields, secret, ...(tenant !== undefined && { tenant }) }));
}

/**
 * The consumer check before a rotation that invalidates the previous credential: the audit table
 * (KEYWARDEN_AUDIT_TABLE, or the stage's; the role may only Query its bySecret index), the
 * settings, and the keywarden bus for its finding. Loaded only when such a rotation first needs it.
 */
export function rotateConsumerGate(deps: { clock: Clock }): (metadata: SecretMetadata, token: string) => Promise<GateOutcome> {
  const audit = new DynamoDbAuditStore(dynamoDb(), auditTableFromEnv(), 365);
  const publisher = new EventBridgeFindingPublisher(eventBridge(), findingsBusFromEnv());
  // The settings are read at each check (a few variables): a changed stage default applies at once.
  return (metadata, token) => checkConsumersBeforeInvalidating(metadata, token, { audit, publish: (findings) => publisher.publish(findings), settings: consumerSettingsFromEnv(), clock: deps.clock });
}

/**
 * The member account a secret ARN is in: an account other than the function's own that an
 * administrator configured a rotation role for (only those rotate here); undefined at home.
 */
function memberAccountOf(secretArn: string): string | undefined {
  const account = accountOfSecretArn(secretArn);
  const { accountId, accountRoles } = rotateAccountFromEnv();
  if (account === undefined || account === accountId) return undefined;
  return parseAccountRoles(accountRoles).has(account) ? account : undefined;
}
