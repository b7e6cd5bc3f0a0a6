import type { ActionClass } from './record';
import { PARAMETER_EVENTS, PARAMETER_VALUE_READ_EVENTS, parameterActionClass } from './ssm-parameters';

/**
 * What each Secrets Manager event is, for queries and detectors: its action class and whether it
 * hands out a secret value. Events not listed (a call added to the API after this was written)
 * are `other`, so they are still stored and queryable, and a detector that cares about them has to
 * say so.
 */
const CLASSES: Readonly<Record<string, ActionClass>> = {
  // Reads: values and metadata.
  GetSecretValue: 'read',
  BatchGetSecretValue: 'read',
  DescribeSecret: 'read',
  GetResourcePolicy: 'read',
  ListSecretVersionIds: 'read',
  ListSecrets: 'list',
  // Writes.
  CreateSecret: 'write',
  PutSecretValue: 'write',
  UpdateSecret: 'write',
  TagResource: 'write',
  UntagResource: 'write',
  RestoreSecret: 'write',
  ReplicateSecretToRegions: 'write',
  // Deletion, of a secret, a version, or a replica.
  DeleteSecret: 'delete',
  RemoveRegionsFromReplication: 'delete',
  StopReplicationToReplica: 'delete',
  StartSecretVersionDelete: 'delete',
  CancelSecretVersionDelete: 'delete',
  EndSecretVersionDelete: 'delete',
  // Resource policies.
  PutResourcePolicy: 'policy',
  DeleteResourcePolicy: 'policy',
  ValidateResourcePolicy: 'policy',
  // Rotation, by API and by the service.
  RotateSecret: 'rotation',
  CancelRotateSecret: 'rotation',
  UpdateSecretVersionStage: 'rotation',
  RotationStarted: 'rotation',
  RotationSucceeded: 'rotation',
  RotationFailed: 'rotation',
  RotationAbandoned: 'rotation',
  // Replication, by the service.
  ReplicationStarted: 'write',
  ReplicationSucceeded: 'write',
  ReplicationFailed: 'write',
  GetRandomPassword: 'other',
};

/** The Secrets Manager calls that return a secret value to the caller. */
const SECRET_VALUE_READ_EVENTS: readonly string[] = ['GetSecretValue', 'BatchGetSecretValue'];
const VALUE_READS: ReadonlySet<string> = new Set(SECRET_VALUE_READ_EVENTS);

/**
 * The calls that can return a value, for detectors' event filters: Secrets Manager's, and
 * Parameter Store's reads, which return one only with decryption (the record's `readsValue` says).
 */
export const VALUE_READ_EVENTS: readonly string[] = [...SECRET_VALUE_READ_EVENTS, ...PARAMETER_VALUE_READ_EVENTS];

/** Every event of the `read` class (values and metadata), Parameter Store's included. */
export const READ_EVENTS: readonly string[] = [
  ...Object.keys(CLASSES).filter((name) => CLASSES[name] === 'read'),
  ...PARAMETER_EVENTS.filter((name) => parameterActionClass(name) === 'read'),
];

/** The action class of a Secrets Manager event name; `other` for names not known. */
export function actionClassOf(eventName: string): ActionClass {
  return Object.hasOwn(CLASSES, eventName) ? CLASSES[eventName]! : 'other';
}

/** Whether the event name is a call that returns secret values. */
export function readsSecretValue(eventName: string): boolean {
  return VALUE_READS.has(eventName);
}

/** Error codes that mean the caller was not allowed. */
const DENIED: ReadonlySet<string> = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation']);

/** Whether a CloudTrail error code means the call was denied by IAM or a resource policy. */
export function isDenied(errorCode: string | undefined): boolean {
  return errorCode !== undefined && DENIED.has(errorCode);
}
