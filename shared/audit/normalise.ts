import { actionClassOf, readsSecretValue } from './actions';
import { boundedText } from './bounded';
import type { ActionClass, AuditPrincipal, AuditRecord, AuditSecretRef } from './record';
import { isParameterEvent, parameterActionClass, parameterReadsValue, parameterRefs, SSM_EVENT_SOURCE, SSM_EVENTBRIDGE_SOURCE } from './ssm-parameters';
import { MAX_ID_BYTES, required, text, Unreadable, wellFormed } from './record-fields';
import { DEFAULT_TENANCY, nameFromArn, principalTenant, secretTenant, type TenancyConfig } from '../tenancy';

/**
 * CloudTrail record → {@link AuditRecord}. Accepts the raw record (as in a CloudTrail log file)
 * or the EventBridge event that wraps it (`detail-type` "AWS API Call via CloudTrail" or "AWS
 * Service Event via CloudTrail"), as parsed JSON or as text.
 *
 * Written by hand rather than with a schema library: it runs once per event on the hot path, and
 * a record is read in well under the time JSON.parse takes for it. Every field is type-checked as
 * it is read; a record that is not what CloudTrail writes is refused with a reason naming the
 * field, never half-read. Only fields keywarden uses are copied: CloudTrail already hides secret
 * values, and copying by name keeps it so even for a forged record that carries one.
 */

/** What reading one CloudTrail record gave. */
export type NormaliseResult =
  | { kind: 'record'; record: AuditRecord }
  /** Readable, but not a Secrets Manager event (another service's record): nothing to audit. */
  | { kind: 'skipped'; reason: string }
  /** Not a CloudTrail record keywarden can read; `reason` says which field is wrong. */
  | { kind: 'unreadable'; reason: string };

/** The EventBridge detail types that carry CloudTrail records. */
export const CLOUDTRAIL_DETAIL_TYPES = ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'] as const;

/** CloudTrail's eventSource for Secrets Manager. */
export const SECRETS_MANAGER_EVENT_SOURCE = 'secretsmanager.amazonaws.com';

/** BatchGetSecretValue names at most 20 secrets; ListSecrets/BatchGetSecretValue take at most 10 filters. */
const MAX_SECRET_IDS = 20;
const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 10;
// Ids (secret ids, ARNs) become DynamoDB keys: at most MAX_ID_BYTES (record-fields.ts) of UTF-8,
// longer ones bounded with a readable prefix and a hash (bounded.ts), never refused: padding a
// call's secret id must not hide the call from the audit trail. Real ids are far shorter (a
// secret name is at most 512 characters).
/** CloudTrail event ids are UUIDs; `<time>#<eventId>` is an index's sort key (1,024 bytes). */
const MAX_EVENT_ID_BYTES = 128;
/** Descriptive text is cut, not refused: CloudTrail itself truncates long user agents. */
const MAX_TEXT = 1024;
/** Secrets Manager's limit for a resource policy. */
const MAX_POLICY = 20_480;
const MAX_TAGS = 50;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(3000, 0, 1);

type Json = Record<string, unknown>;

/** Thrown inside this module only; turned into an `unreadable` result with its message. */

/**
 * Reads one CloudTrail record (raw or wrapped in an EventBridge event), as text or parsed JSON.
 * Never throws: a record it cannot read comes back as `unreadable` with the reason.
 */
export function normaliseCloudTrail(input: unknown, tenancy: TenancyConfig = DEFAULT_TENANCY): NormaliseResult {
  try {
    let value = input;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return { kind: 'unreadable', reason: 'not JSON' };
      }
    }
    return read(value, tenancy);
  } catch (error) {
    if (error instanceof Unreadable) return { kind: 'unreadable', reason: error.message };
    // Anything else is a bug in this reader meeting an odd record: still the record's problem to
    // report, not a reason to fail the batch.
    return { kind: 'unreadable', reason: `could not be read (${(error as Error)?.name ?? 'error'})` };
  }
}

function read(value: unknown, tenancy: TenancyConfig): NormaliseResult {
  const outer = object(value, '(record)');
  if (!outer) throw new Unreadable('the record is empty (null)');
  let record = outer;
  let source: string | undefined;
  let eventAccount: string | undefined;
  if ('detail' in outer && ('detail-type' in outer || 'source' in outer)) {
    const detailType = text(outer['detail-type'], 'detail-type');
    // Kept as found (member-accounts.ts refuses one that is not an account id, when it matters).
    if (outer.account !== undefined && outer.account !== null) eventAccount = typeof outer.account === 'string' ? clip(outer.account, 64) : '(not text)';
    source = text(outer.source, 'source');
    if (source !== undefined && source !== 'aws.secretsmanager' && source !== SSM_EVENTBRIDGE_SOURCE) return { kind: 'skipped', reason: `event source ${clip(source, 100)}` };
    if (detailType !== undefined && !(CLOUDTRAIL_DETAIL_TYPES as readonly string[]).includes(detailType)) {
      return { kind: 'skipped', reason: `detail-type ${clip(detailType, 100)}` };
    }
    const detail = object(outer.detail, 'detail');
    if (!detail) throw new Unreadable('detail is missing');
    record = detail;
  }
  const eventSource = required(text(record.eventSource, 'eventSource'), 'eventSource');
  // An envelope's source and its record's eventSource name the same service, as EventBridge writes them.
  if (source !== undefined && !namesSameService(source, eventSource)) return { kind: 'skipped', reason: `event source ${clip(source, 100)} carries eventSource ${clip(eventSource, 100)}` };
  if (eventSource === SSM_EVENT_SOURCE) {
    // Systems Manager's other APIs (Run Command, sessions, ...) share the source: parameters only.
    const eventName = text(record.eventName, 'eventName');
    if (eventName === undefined || !isParameterEvent(eventName)) return { kind: 'skipped', reason: `SSM event ${clip(eventName ?? '(none)', 100)} is not a parameter event` };
    return { kind: 'record', record: withEventAccount(toAuditRecord(record, tenancy, true), eventAccount) };
  }
  if (eventSource !== SECRETS_MANAGER_EVENT_SOURCE) return { kind: 'skipped', reason: `eventSource ${clip(eventSource, 100)}` };
  return { kind: 'record', record: withEventAccount(toAuditRecord(record, tenancy, false), eventAccount) };
}

/** The envelope's account on the record (member-accounts.ts decides what to believe). */
function withEventAccount(record: AuditRecord, eventAccount: string | undefined): AuditRecord {
  if (eventAccount !== undefined) record.eventAccount = eventAccount;
  return record;
}

/**
 * Whether an envelope's source (`aws.<service>`) and its record's eventSource
 * (`<service>.amazonaws.com`) name the same service, as EventBridge writes them; compared in
 * place, since a string built per event costs more than the comparison.
 */
function namesSameService(source: string, eventSource: string): boolean {
  const service = source.length - AWS_PREFIX.length;
  return source.startsWith(AWS_PREFIX) && eventSource.length === service + AMAZONAWS_SUFFIX.length && eventSource.endsWith(AMAZONAWS_SUFFIX) && source.endsWith(eventSource.slice(0, service));
}
const AWS_PREFIX = 'aws.';
const AMAZONAWS_SUFFIX = '.amazonaws.com';

function toAuditRecord(r: Json, tenancy: TenancyConfig, parameter: boolean): AuditRecord {
  const eventId = boundedText(wellFormed(required(text(r.eventID, 'eventID'), 'eventID')), MAX_EVENT_ID_BYTES);
  const event = eventNameFacts(required(text(r.eventName, 'eventName'), 'eventName'));
  const eventName = event.name;
  const time = timestamp(r.eventTime);
  const eventType = text(r.eventType, 'eventType') ?? 'AwsApiCall';
  const region = required(text(r.awsRegion, 'awsRegion'), 'awsRegion');
  const request = object(r.requestParameters, 'requestParameters');
  const response = object(r.responseElements, 'responseElements');
  const additional = object(r.additionalEventData, 'additionalEventData');
  const identity = object(r.userIdentity, 'userIdentity');
  if (!identity && eventType !== 'AwsServiceEvent') throw new Unreadable('userIdentity is missing');
  const userAgent = clipped(r.userAgent, 'userAgent');
  const consoleSession = r.sessionCredentialFromConsole === true || r.sessionCredentialFromConsole === 'true';

  const out: AuditRecord = {
    eventId,
    time,
    eventName,
    eventType: clip(eventType, 64),
    actionClass: parameter ? parameterActionClass(eventName) : event.actionClass,
    readsValue: parameter ? parameterReadsValue(eventName, request) : event.readsValue,
    region: clip(region, 64),
    secrets: NO_SECRETS,
    principal: principalOf(identity, userAgent, consoleSession, tenancy),
    details: NO_DETAILS,
  };
  const accountId = text(r.recipientAccountId, 'recipientAccountId') ?? out.principal.accountId;
  if (accountId !== undefined) out.accountId = clip(accountId, 64);
  const requestId = text(r.requestID, 'requestID');
  if (requestId !== undefined) out.requestId = clip(requestId, 128);
  const sourceIp = text(r.sourceIPAddress, 'sourceIPAddress');
  if (sourceIp !== undefined) out.sourceIp = clip(sourceIp, 256);
  if (userAgent !== undefined) out.userAgent = userAgent;
  const vpce = text(r.vpcEndpointId, 'vpcEndpointId');
  if (vpce !== undefined) out.vpcEndpointId = clip(vpce, 128);
  const errorCode = text(r.errorCode, 'errorCode');
  if (errorCode !== undefined) out.errorCode = clip(errorCode, 128);
  const errorMessage = clipped(r.errorMessage, 'errorMessage');
  if (errorMessage !== undefined) out.errorMessage = errorMessage;

  const details: Json = {};
  if (parameter) {
    const { refs, selector } = parameterRefs(eventName, request, tenancy);
    out.secrets = refs;
    if (selector !== undefined) out.versionStage = clip(selector, 128);
    if (request) readParameterRequest(request, details);
  } else {
    out.secrets = secretsOf(eventName, request, response, additional, r.resources, tenancy);
    if (request) readRequest(eventName, request, out, details);
  }
  if (response) {
    const versionId = text(response.versionId, 'responseElements.versionId');
    if (versionId !== undefined) details.responseVersionId = clip(versionId, 128);
  }
  for (const _ in details) {
    out.details = details;
    break;
  }
  return out;
}

/** What an event name says, worked out once per name: a trail repeats a few dozen names. */
interface EventNameFacts {
  /** The name, one string object for every record of it, so later lookups by it hash nothing new. */
  name: string;
  /** As a Secrets Manager event (a Parameter Store event's class depends on more than its name). */
  actionClass: ActionClass;
  readsValue: boolean;
}

const eventNames = new Map<string, EventNameFacts>();

/** The facts of a well-formed event name (one lookup per record); refuses any other. */
function eventNameFacts(eventName: string): EventNameFacts {
  const known = eventNames.get(eventName);
  if (known !== undefined) return known;
  if (!/^[A-Za-z][A-Za-z0-9]{0,127}$/.test(eventName)) throw new Unreadable('eventName is not an API or event name');
  const facts: EventNameFacts = { name: eventName, actionClass: actionClassOf(eventName), readsValue: readsSecretValue(eventName) };
  // Names are caller text (a forged record can carry any): the cache is bounded like the others.
  if (eventNames.size >= CACHE_LIMIT) eventNames.clear();
  eventNames.set(eventName, facts);
  return facts;
}

// Records are never changed once read, so the common empty parts, and the refs of a secret named
// alone, are shared rather than allocated for every event: a batch of 1,000 stays small.
const NO_SECRETS: AuditSecretRef[] = Object.freeze([]) as unknown as AuditSecretRef[];
const NO_DETAILS: Json = Object.freeze({}) as Json;
const singleRefs = new Map<string, AuditSecretRef[]>();

function principalOf(identity: Json | undefined, userAgent: string | undefined, consoleSession: boolean, tenancy: TenancyConfig): AuditPrincipal {
  if (!identity) return { type: 'AWSService', via: 'service', key: 'service:unknown' };
  const invokedBy = text(identity.invokedBy, 'userIdentity.invokedBy');
  const type = text(identity.type, 'userIdentity.type') ?? (invokedBy ? 'AWSService' : 'Unknown');
  const arn = text(identity.arn, 'userIdentity.arn');
  const accountId = text(identity.accountId, 'userIdentity.accountId');
  const accessKeyId = text(identity.accessKeyId, 'userIdentity.accessKeyId');
  const principalId = text(identity.principalId, 'userIdentity.principalId');
  const userName = text(identity.userName, 'userIdentity.userName');
  const session = object(identity.sessionContext, 'userIdentity.sessionContext');
  const issuer = session ? object(session.sessionIssuer, 'userIdentity.sessionContext.sessionIssuer') : undefined;
  const attributes = session ? object(session.attributes, 'userIdentity.sessionContext.attributes') : undefined;
  const issuerArn = issuer ? text(issuer.arn, 'sessionIssuer.arn') : undefined;
  const issuerName = issuer ? text(issuer.userName, 'sessionIssuer.userName') : undefined;
  const mfa = attributes?.mfaAuthenticated;
  const viaConsole = consoleSession || (userAgent !== undefined && /console/i.test(userAgent) && /(^|[^a-z])console\.(aws\.)?amazonaws\.com/i.test(userAgent));
  // A principal makes many calls: the same identity gives the same (frozen) principal, worked
  // out once, and the same key string, so maps keyed by it downstream hash it once.
  const fields: IdentityFields = { type, arn, accountId, accessKeyId, principalId, userName, invokedBy, issuerArn, issuerName, mfa, viaConsole };
  // Looked up by ARN (or access key), then checked field by field: cheaper than a composite key.
  const lookup = arn ?? accessKeyId ?? invokedBy ?? '';
  const known = cachedTenant(principals, lookup, tenancy, () => undefined);
  if (known && sameIdentity(known.fields, fields)) return known.principal;
  const principal = Object.freeze(buildPrincipal(fields, tenancy));
  principals.set(lookup, { fields, principal });
  return principal;
}

function sameIdentity(a: IdentityFields, b: IdentityFields): boolean {
  return (
    a.type === b.type &&
    a.arn === b.arn &&
    a.accessKeyId === b.accessKeyId &&
    a.issuerArn === b.issuerArn &&
    a.issuerName === b.issuerName &&
    a.invokedBy === b.invokedBy &&
    a.accountId === b.accountId &&
    a.userName === b.userName &&
    a.principalId === b.principalId &&
    a.mfa === b.mfa &&
    a.viaConsole === b.viaConsole
  );
}

interface IdentityFields {
  type: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  principalId?: string;
  userName?: string;
  invokedBy?: string;
  issuerArn?: string;
  issuerName?: string;
  mfa: unknown;
  viaConsole: boolean;
}

function buildPrincipal(fields: IdentityFields, tenancy: TenancyConfig): AuditPrincipal {
  const { type, arn, accountId, accessKeyId, principalId, userName, invokedBy, issuerArn, issuerName, mfa, viaConsole } = fields;
  const assumed = arn !== undefined && arn.includes(':assumed-role/') ? /^arn:([^:]+):sts::(\d*):assumed-role\/(.+)\/([^/]+)$/.exec(arn) : null;

  const p: AuditPrincipal = { type: clip(type, 64), via: 'programmatic', key: '' };
  if (arn !== undefined) p.arn = bounded(arn);
  if (accountId !== undefined) p.accountId = clip(accountId, 64);
  if (accessKeyId !== undefined) p.accessKeyId = clip(accessKeyId, 128);
  if (invokedBy !== undefined) p.invokedBy = clip(invokedBy, 256);
  if (issuerArn !== undefined) p.sessionIssuerArn = bounded(issuerArn);
  const roleName = issuerName ?? assumed?.[3]?.split('/').at(-1);
  if (roleName !== undefined) p.sessionIssuerName = clip(roleName, 256);
  const name = roleName ?? userName;
  if (name !== undefined) p.name = clip(name, 256);
  if (assumed) p.sessionName = clip(assumed[4]!, 256);
  if (mfa === true || mfa === 'true') p.mfaAuthenticated = true;
  else if (mfa === false || mfa === 'false') p.mfaAuthenticated = false;

  if (type === 'AWSService' || invokedBy !== undefined) p.via = 'service';
  else if (viaConsole) p.via = 'console';

  // "Who" for windows and queries: a role, not its many sessions.
  const roleArn = p.sessionIssuerArn ?? (assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : undefined);
  p.key = (roleArn === undefined ? undefined : bounded(roleArn)) ?? p.arn ?? (type === 'AWSService' && invokedBy ? `service:${p.invokedBy}` : undefined) ?? p.accessKeyId ?? (principalId ? clip(principalId, 256) : 'unknown');
  const tenant = principalTenant({ name: p.name }, tenancy);
  if (tenant !== undefined) p.tenant = tenant;
  return p;
}

/** Names repeat from event to event: their tenants (a regular expression each) are cached per tenancy config. */
const principals = new Map<string, { fields: IdentityFields; principal: AuditPrincipal } | undefined>();
const secretNames = new Map<string, { name: string; tenant: string | undefined }>();
let cachedFor: TenancyConfig | undefined;

function cachedTenant<T>(cache: Map<string, T>, key: string, tenancy: TenancyConfig, compute: () => T): T {
  if (cachedFor !== tenancy) {
    principals.clear();
    singleRefs.clear();
    secretNames.clear();
    cachedFor = tenancy;
  }
  const known = cache.get(key);
  // One lookup in the common case (the key was seen); `has` only tells a cached undefined apart.
  if (known !== undefined || cache.has(key)) return known as T;
  const value = compute();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function secretsOf(eventName: string, request: Json | undefined, response: Json | undefined, additional: Json | undefined, resources: unknown, tenancy: TenancyConfig): AuditSecretRef[] {
  const ids: string[] = [];
  if (request) {
    const secretId = text(request.secretId, 'requestParameters.secretId');
    if (secretId !== undefined) ids.push(identifier(secretId, 'requestParameters.secretId'));
    if (request.secretIdList !== undefined && request.secretIdList !== null) {
      const list = request.secretIdList;
      if (!Array.isArray(list)) throw new Unreadable('requestParameters.secretIdList is not a list');
      if (list.length > MAX_SECRET_IDS) throw new Unreadable(`requestParameters.secretIdList names more than ${MAX_SECRET_IDS} secrets`);
      for (const id of list) ids.push(identifier(id, 'requestParameters.secretIdList[]'));
    }
    if (eventName === 'CreateSecret') {
      const name = text(request.name, 'requestParameters.name');
      if (name !== undefined) ids.push(identifier(name, 'requestParameters.name'));
    }
  }
  const arns: string[] = [];
  if (response) {
    // Before February 2024 some events spelled it `aRN`.
    for (const field of ['arn', 'aRN', 'ARN']) {
      const arn = text(response[field], `responseElements.${field}`);
      if (arn !== undefined) arns.push(identifier(arn, `responseElements.${field}`));
    }
    const name = text(response.name, 'responseElements.name');
    if (name !== undefined) ids.push(identifier(name, 'responseElements.name'));
  }
  if (additional) {
    for (const field of ['SecretId', 'secretId']) {
      const id = text(additional[field], `additionalEventData.${field}`);
      if (id !== undefined) ids.push(identifier(id, `additionalEventData.${field}`));
    }
  }
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources)) throw new Unreadable('resources is not a list');
    for (const resource of resources.slice(0, MAX_SECRET_IDS)) {
      const entry = object(resource, 'resources[]');
      const arn = entry ? text(entry.ARN ?? entry.arn, 'resources[].ARN') : undefined;
      if (arn !== undefined && /:secretsmanager:[^:]*:[^:]*:secret:/.test(arn)) arns.push(identifier(arn, 'resources[].ARN'));
    }
  }
  return mergeSecretRefs([...ids, ...arns], tenancy);
}

/** One ref per secret name, keeping the full ARN when any mention gave one. */
function mergeSecretRefs(ids: string[], tenancy: TenancyConfig): AuditSecretRef[] {
  if (ids.length === 0) return NO_SECRETS;
  if (ids.length === 1) {
    return cachedTenant(singleRefs, ids[0]!, tenancy, () => Object.freeze(mergeAll(ids, tenancy).map((ref) => Object.freeze(ref))) as AuditSecretRef[]);
  }
  return mergeAll(ids, tenancy);
}

function mergeAll(ids: string[], tenancy: TenancyConfig): AuditSecretRef[] {
  const byName = new Map<string, AuditSecretRef>();
  for (const id of ids) {
    const { name, tenant } = cachedTenant(secretNames, id, tenancy, () => {
      const secretName = nameFromArn(id);
      return { name: secretName, tenant: secretTenant(secretName, tenancy) };
    });
    const isArn = id.startsWith('arn:');
    const known = byName.get(name);
    if (known) {
      if (isArn && !known.arn) known.arn = id;
      continue;
    }
    const ref: AuditSecretRef = { id, name };
    if (isArn) ref.arn = id;
    if (tenant !== undefined) ref.tenant = tenant;
    byName.set(name, ref);
  }
  return [...byName.values()];
}

function readRequest(eventName: string, request: Json, out: AuditRecord, d: Json): void {
  const versionStage = text(request.versionStage, 'requestParameters.versionStage');
  if (versionStage !== undefined) out.versionStage = clip(versionStage, 256);
  const versionId = text(request.versionId, 'requestParameters.versionId');
  if (versionId !== undefined) out.versionId = clip(versionId, 128);
  if (request.filters !== undefined && request.filters !== null) out.filters = filtersOf(request.filters);

  const force = bool(request.forceDeleteWithoutRecovery, 'requestParameters.forceDeleteWithoutRecovery');
  if (force !== undefined) d.forceDeleteWithoutRecovery = force;
  const window = num(request.recoveryWindowInDays, 'requestParameters.recoveryWindowInDays');
  if (window !== undefined) d.recoveryWindowInDays = window;
  const policy = text(request.resourcePolicy, 'requestParameters.resourcePolicy');
  if (policy !== undefined) {
    if (policy.length > MAX_POLICY) d.resourcePolicyTooLong = true;
    else d.resourcePolicy = policy;
  }
  const blockPublic = bool(request.blockPublicPolicy, 'requestParameters.blockPublicPolicy');
  if (blockPublic !== undefined) d.blockPublicPolicy = blockPublic;
  const rules = object(request.rotationRules, 'requestParameters.rotationRules');
  if (rules) {
    const copy: Json = {};
    const days = num(rules.automaticallyAfterDays, 'rotationRules.automaticallyAfterDays');
    if (days !== undefined) copy.automaticallyAfterDays = days;
    const schedule = text(rules.scheduleExpression, 'rotationRules.scheduleExpression');
    if (schedule !== undefined) copy.scheduleExpression = clip(schedule, 256);
    const duration = text(rules.duration, 'rotationRules.duration');
    if (duration !== undefined) copy.duration = clip(duration, 16);
    d.rotationRules = copy;
  }
  const immediately = bool(request.rotateImmediately, 'requestParameters.rotateImmediately');
  if (immediately !== undefined) d.rotateImmediately = immediately;
  const lambda = text(request.rotationLambdaARN, 'requestParameters.rotationLambdaARN');
  if (lambda !== undefined) d.rotationLambdaArn = bounded(lambda);
  const moveTo = text(request.moveToVersionId, 'requestParameters.moveToVersionId');
  if (moveTo !== undefined) d.moveToVersionId = clip(moveTo, 128);
  const removeFrom = text(request.removeFromVersionId, 'requestParameters.removeFromVersionId');
  if (removeFrom !== undefined) d.removeFromVersionId = clip(removeFrom, 128);
  // Only that a value was written, never the value: CloudTrail hides it, and a forged record that
  // carries one must not get it copied.
  if ((request.secretString !== undefined && request.secretString !== null) || (request.secretBinary !== undefined && request.secretBinary !== null)) d.valueWritten = true;
  const kmsKeyId = text(request.kmsKeyId, 'requestParameters.kmsKeyId');
  if (kmsKeyId !== undefined) d.kmsKeyId = bounded(kmsKeyId);
  const stages = textList(request.versionStages, 'requestParameters.versionStages', 20);
  if (stages) d.versionStages = stages;
  const tagKeys = textList(request.tagKeys, 'requestParameters.tagKeys', MAX_TAGS);
  if (tagKeys) d.tagKeys = tagKeys;
  if (request.tags !== undefined && request.tags !== null) d.tags = tagsOf(request.tags);
  const removeRegions = textList(request.removeReplicaRegions, 'requestParameters.removeReplicaRegions', 50);
  if (removeRegions) d.removeReplicaRegions = removeRegions;
  if (Array.isArray(request.addReplicaRegions)) {
    d.addReplicaRegions = request.addReplicaRegions.slice(0, 50).map((entry) => clip(required(text(object(entry, 'addReplicaRegions[]')?.region, 'addReplicaRegions[].region'), 'addReplicaRegions[].region'), 64));
  }
  if (eventName === 'StopReplicationToReplica' || eventName === 'RemoveRegionsFromReplication') d.replicaChange = true;
}

/** The few PutParameter/tagging fields detectors use (decoy tags, overwrite, the key); never `value`. */
function readParameterRequest(request: Json, d: Json): void {
  const overwrite = bool(request.overwrite, 'requestParameters.overwrite');
  if (overwrite !== undefined) d.overwrite = overwrite;
  const type = text(request.type, 'requestParameters.type');
  if (type !== undefined) d.parameterType = clip(type, 32);
  const keyId = text(request.keyId, 'requestParameters.keyId');
  if (keyId !== undefined) d.keyId = bounded(keyId);
  const labels = textList(request.labels, 'requestParameters.labels', 10);
  if (labels) d.labels = labels;
  const version = num(request.parameterVersion, 'requestParameters.parameterVersion');
  if (version !== undefined) d.parameterVersion = version;
  const tagKeys = textList(request.tagKeys, 'requestParameters.tagKeys', MAX_TAGS);
  if (tagKeys) d.tagKeys = tagKeys;
  if (request.tags !== undefined && request.tags !== null) d.tags = tagsOf(request.tags);
}

function filtersOf(value: unknown): Array<{ key: string; values: string[] }> {
  if (!Array.isArray(value)) throw new Unreadable('requestParameters.filters is not a list');
  if (value.length > MAX_FILTERS) throw new Unreadable(`requestParameters.filters has more than ${MAX_FILTERS} filters`);
  // Array.from visits holes (a sparse array handed in as an object) as undefined: refused, never kept.
  return Array.from(value, (entry) => {
    const filter = object(entry, 'requestParameters.filters[]');
    if (!filter) throw new Unreadable('requestParameters.filters[] is null');
    const key = clip(required(text(filter.key, 'filters[].key'), 'filters[].key'), 64);
    const values = textList(filter.values, 'filters[].values', MAX_FILTER_VALUES) ?? [];
    return { key, values };
  });
}

function tagsOf(value: unknown): Array<{ key: string; value: string }> {
  if (!Array.isArray(value)) throw new Unreadable('requestParameters.tags is not a list');
  return Array.from(value.slice(0, MAX_TAGS), (entry) => {
    const tag = object(entry, 'requestParameters.tags[]');
    if (!tag) throw new Unreadable('requestParameters.tags[] is null');
    return {
      key: clip(required(text(tag.key ?? tag.Key, 'tags[].key'), 'tags[].key'), 128),
      value: clip(text(tag.value ?? tag.Value, 'tags[].value') ?? '', 256),
    };
  });
}

// ---- field readers: null and absent are the same; a wrong type is a reason to refuse ----

function object(value: unknown, path: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Unreadable(`${path} is not an object`);
  return value as Json;
}


function textList(value: unknown, path: string, max: number): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new Unreadable(`${path} is not a list`);
  if (value.length > max) throw new Unreadable(`${path} has more than ${max} entries`);
  return Array.from(value, (item) => clip(required(text(item, `${path}[]`), `${path}[]`), 256));
}

function bool(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Unreadable(`${path} is not a boolean`);
}

function num(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Unreadable(`${path} is not a number`);
  return n;
}


function identifier(value: unknown, path: string): string {
  return bounded(required(text(value, path), path));
}

/** An id or ARN within {@link MAX_ID_BYTES}: a key and a display text at once. */
function bounded(id: string): string {
  return boundedText(wellFormed(id), MAX_ID_BYTES);
}

/** Lone surrogates (half a UTF-16 pair) are not text DynamoDB or JSON consumers accept: replaced. */

/** Events of the same second share their eventTime: a small cache saves a parse and a format each. */
const isoByEventTime = new Map<string, string>();
const CACHE_LIMIT = 20_000;

function timestamp(value: unknown): string {
  const raw = required(text(value, 'eventTime'), 'eventTime');
  const known = isoByEventTime.get(raw);
  if (known !== undefined) return known;
  const ms = raw.length <= 64 ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw new Unreadable('eventTime is not a date');
  // Keeps ISO strings fixed-width, so they sort as times do in the store's indexes.
  if (ms < EARLIEST || ms >= LATEST) throw new Unreadable('eventTime is outside the years 2000-2999');
  const iso = new Date(ms).toISOString();
  if (isoByEventTime.size >= CACHE_LIMIT) isoByEventTime.clear();
  isoByEventTime.set(raw, iso);
  return iso;
}

function clipped(value: unknown, path: string): string | undefined {
  const s = text(value, path);
  return s === undefined ? undefined : clip(s, MAX_TEXT);
}

function clip(s: string, max: number): string {
  return wellFormed(s.length <= max ? s : `${s.slice(0, max)}…`);
}
