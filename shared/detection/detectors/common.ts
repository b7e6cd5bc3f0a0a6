import type { AuditRecord } from '../../audit/record';
import type { PrincipalActivity } from '../detector';
import { sample } from '../findings';

/** A call that handed out a secret value. */
export function isValueRead(record: AuditRecord): boolean {
  return record.readsValue && !record.errorCode;
}

/** The 12-digit account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`), if it has one. */
export function accountOf(arn: string | undefined): string | undefined {
  return arn ? /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1] : undefined;
}

/** What a window finding shows about the records behind it (this batch's). */
export function activityEvidence(activity: PrincipalActivity, records: readonly AuditRecord[] = activity.records): Record<string, unknown> {
  const evidence: Record<string, unknown> = {
    windowStart: activity.windowStart,
    firstEventTime: records[0]?.time,
    lastEventTime: records.at(-1)?.time,
    eventIds: sample(records.map((r) => r.eventId), 10),
    sourceIps: sample(records.flatMap((r) => (r.sourceIp ? [r.sourceIp] : [])), 10),
    userAgents: sample(records.flatMap((r) => (r.userAgent ? [r.userAgent] : [])), 5),
    regions: sample(records.map((r) => r.region), 10),
  };
  const sessions = sample(records.flatMap((r) => (r.principal.arn && r.principal.arn !== activity.principal.key ? [r.principal.arn] : [])), 10);
  if (sessions.length > 0) evidence.sessions = sessions;
  const keys = sample(records.flatMap((r) => (r.principal.accessKeyId ? [r.principal.accessKeyId] : [])), 5);
  if (keys.length > 0) evidence.accessKeyIds = keys;
  return evidence;
}

/** Secret names the records named, in order, at most `max`. */
export function secretNames(records: readonly AuditRecord[], max = 20): string[] {
  return sample(records.flatMap((r) => r.secrets.map((s) => s.name)), max);
}
