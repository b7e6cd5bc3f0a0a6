import { READ_EVENTS } from '../../audit/actions';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

/**
 * The account's root user touching secrets at all, or a person reading secret values in the
 * console. Neither belongs in day-to-day operation: root should be locked away, and people get
 * secrets through break-glass procedures that leave their own trail.
 */
export const rootOrConsoleRead: RecordDetector = {
  kind: 'record',
  name: 'root-or-console-read',
  events: READ_EVENTS,
  title: 'Secret read by the root user or in the console',
  severity: 'high',
  description:
    'Any read (value or metadata) by the root user (critical), or a value read from an AWS console session (high).',
  runbook:
    'For root: confirm with whoever holds the root credentials that it was them and why; if nobody did, the root credentials are compromised: reset the root password, replace its MFA device, delete any root access keys, and rotate the secret. For a console read: ask the person (session and user in the evidence) why they needed the value; if it was a break-glass use, make sure it was recorded and rotate the secret afterwards.',
  inspect(record, ctx) {
    const root = record.principal.type === 'Root';
    const consoleRead = record.principal.via === 'console' && record.readsValue;
    if (!(root && record.actionClass === 'read') && !consoleRead) return undefined;
    const secret = record.secrets[0];
    return {
      title: `${secret?.name ?? 'Secrets'} ${record.readsValue ? 'read' : 'looked up'} by ${root ? 'the root user' : `${record.principal.key} in the console`}`,
      severity: root ? 'critical' : 'high',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { root, console: record.principal.via === 'console', secrets: record.secrets.map((s) => s.name), ...recordEvidence(record) },
      dedupParts: [record.principal.key, root ? 'root' : 'console'],
      occurrenceParts: [record.principal.key, record.secrets.map(secretKeyOf).join(','), record.eventName, ctx.windowOf(record)],
    };
  },
};
