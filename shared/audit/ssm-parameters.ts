import type { ActionClass, AuditSecretRef } from './record';
import { boundedText } from './bounded';
import { MAX_ID_BYTES, required, text, Unreadable, wellFormed } from './record-fields';
import { secretTenant, type TenancyConfig } from '../tenancy';

/**
 * SSM Parameter Store's CloudTrail records, as far as they concern parameters. Parameter Store
 * shares its eventSource (`ssm.amazonaws.com`) with the rest of Systems Manager (Run Command,
 * Session Manager, ...): only the events named here are audited, every other SSM event is
 * skipped.
 *
 * A read hands out a value only when the caller asked for decryption (`withDecryption`): without
 * it a SecureString comes back as ciphertext, which is a metadata read, not a secret read.
 * CloudTrail does not say a parameter's type, so a decrypted read of a String parameter counts as a
 * value read too (SDKs that always pass `withDecryption` make such reads look alike).
 *
 * Every field is attacker text: names are bounded like secret ids (a parameter name is up to 2,048
 * characters, a DynamoDB sort key 1,024 bytes), lists are capped at the service's own limits.
 */

/** CloudTrail's eventSource and EventBridge's source for Parameter Store. */
export const SSM_EVENT_SOURCE = 'ssm.amazonaws.com';
export const SSM_EVENTBRIDGE_SOURCE = 'aws.ssm';

const CLASSES: Readonly<Record<string, ActionClass>> = {
  GetParameter: 'read',
  GetParameters: 'read',
  GetParametersByPath: 'read',
  GetParameterHistory: 'read',
  DescribeParameters: 'list',
  PutParameter: 'write',
  AddTagsToResource: 'write',
  RemoveTagsFromResource: 'write',
  LabelParameterVersion: 'rotation',
  UnlabelParameterVersion: 'rotation',
  DeleteParameter: 'delete',
  DeleteParameters: 'delete',
};

/** Every Parameter Store event keywarden audits (the EventBridge rule names the same list). */
export const PARAMETER_EVENTS: readonly string[] = Object.keys(CLASSES);

/** The reads that return values when asked to decrypt. */
export const PARAMETER_VALUE_READ_EVENTS: readonly string[] = ['GetParameter', 'GetParameters', 'GetParametersByPath', 'GetParameterHistory'];

/** GetParameters and DeleteParameters take at most 10 names. */
const MAX_NAMES = 10;

type Json = Record<string, unknown>;

/** Whether an SSM event is one keywarden audits. */
export function isParameterEvent(eventName: string): boolean {
  return Object.hasOwn(CLASSES, eventName);
}

/** The action class of a Parameter Store event. */
export function parameterActionClass(eventName: string): ActionClass {
  return Object.hasOwn(CLASSES, eventName) ? CLASSES[eventName]! : 'other';
}

/** Whether the call returned decrypted values (a read with `withDecryption` true). */
export function parameterReadsValue(eventName: string, request: Json | undefined): boolean {
  if (!PARAMETER_VALUE_READ_EVENTS.includes(eventName) || !request) return false;
  const decrypt = request.withDecryption;
  return decrypt === true || decrypt === 'true';
}

/**
 * The parameters (or, for GetParametersByPath, the path) a call named, each once, with the
 * version selector (`name:label`, `name:3`) split off.
 */
export function parameterRefs(eventName: string, request: Json | undefined, tenancy: TenancyConfig): { refs: AuditSecretRef[]; selector?: string } {
  if (!request) return { refs: [] };
  const names: string[] = [];
  const single = text(request.name, 'requestParameters.name') || undefined;
  if (single !== undefined) names.push(single);
  if (request.names !== undefined && request.names !== null) {
    if (!Array.isArray(request.names)) throw new Unreadable('requestParameters.names is not a list');
    if (request.names.length > MAX_NAMES) throw new Unreadable(`requestParameters.names names more than ${MAX_NAMES} parameters`);
    for (const name of request.names) names.push(required(text(name, 'requestParameters.names[]'), 'requestParameters.names[]'));
  }
  const path = text(request.path, 'requestParameters.path') || undefined;
  if (path !== undefined && eventName === 'GetParametersByPath') names.push(path);
  if ((eventName === 'AddTagsToResource' || eventName === 'RemoveTagsFromResource') && request.resourceType === 'Parameter') {
    const id = text(request.resourceId, 'requestParameters.resourceId') || undefined;
    if (id !== undefined) names.push(id);
  }
  let selector: string | undefined;
  const byName = new Map<string, AuditSecretRef>();
  for (const raw of names) {
    const given = wellFormed(raw);
    const { name, selector: own } = splitSelector(given);
    selector ??= own;
    const id = boundedText(name, MAX_ID_BYTES);
    if (byName.has(id)) continue;
    const ref: AuditSecretRef = { id, name: id, kind: 'parameter' };
    if (given.startsWith('arn:')) ref.arn = boundedText(given.split(':').slice(0, 6).join(':'), MAX_ID_BYTES);
    const tenant = parameterTenant(name, tenancy);
    if (tenant !== undefined) ref.tenant = tenant;
    byName.set(id, ref);
  }
  const out: { refs: AuditSecretRef[]; selector?: string } = { refs: [...byName.values()] };
  if (selector !== undefined) out.selector = selector;
  return out;
}

/**
 * The tenant that owns a parameter or a path: the secret naming pattern applied to the name
 * without its leading `/` (`/multitenant-ai-poc/tenant-1/db` is `multitenant-ai-poc/tenant-1/db`).
 * A path that stops at the tenant (`/multitenant-ai-poc/tenant-1/`) belongs to that tenant; one
 * above the tenants (`/multitenant-ai-poc/`) to none.
 */
export function parameterTenant(name: string, tenancy: TenancyConfig): string | undefined {
  const relative = name.replace(/^\//, '');
  return secretTenant(relative.endsWith('/') ? `${relative}*` : relative, tenancy);
}

/**
 * `arn:aws:ssm:r:a:parameter/app/x` is `/app/x` (a name with a hierarchy keeps its leading `/`,
 * which the ARN drops), `arn:...:parameter/x` is `x`; `name:selector` is split at the last `:`
 * (names cannot contain `:`, so what follows is a label or version).
 */
export function splitSelector(given: string): { name: string; selector?: string } {
  let name = given;
  const arn = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter\/(.*)$/.exec(given);
  if (arn) name = arn[1]!.includes('/') ? `/${arn[1]!}` : arn[1]!;
  const colon = name.lastIndexOf(':');
  if (colon <= 0) return { name };
  return { name: name.slice(0, colon), selector: name.slice(colon + 1, colon + 129) };
}



