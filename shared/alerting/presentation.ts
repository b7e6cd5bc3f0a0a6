import { nameFromArn } from '../tenancy';
import { singleLine } from '../display-text';
import type { Alert } from './channel';
import { secretConsoleLink, validatedSecretName } from './console-link';
import type { Finding, Severity } from '../finding';

/**
 * What every channel says the same way: the headline, the secret's name and console link, the
 * group's count in words, and the emergency-rotation command on-call can paste.
 */

const SEVERITY_ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

/** `CRITICAL`, `HIGH`, ... */
export function severityLabel(severity: Severity): string {
  return severity.toUpperCase();
}

/** A coloured dot for the severity, or a check mark once resolved. */
export function statusIcon(finding: Pick<Finding, 'severity' | 'status'>): string {
  return finding.status === 'resolved' ? '✅' : SEVERITY_ICON[finding.severity];
}

/**
 * `[prod] HIGH: Rotation of app/t/db failed`, or `[prod] RESOLVED: ...`, on one line without
 * control or bidi characters (the title can carry a secret id from a record). Not escaped for
 * any channel's markup: each channel escapes it.
 */
export function headline(alert: Alert): string {
  const { finding } = alert;
  const state = finding.status === 'resolved' ? 'RESOLVED' : severityLabel(finding.severity);
  return singleLine(`[${alert.stage}] ${state}: ${finding.title}`);
}

/** The secret's name, from the finding's name or its ARN. */
export function secretNameOf(finding: Finding): string | undefined {
  return finding.secret?.name ?? (finding.secret?.arn ? nameFromArn(finding.secret.arn) : undefined);
}

/**
 * The secret's page in the AWS console: only when the finding's secret ARN is a validated
 * secret ARN of this deployment (see console-link.ts); the link's host is never the ARN's text.
 */
export function secretConsoleUrl(alert: Pick<Alert, 'finding' | 'deployment'>): string | undefined {
  return secretConsoleLink(alert.finding.secret?.arn, alert.deployment);
}

/**
 * The exact command for an emergency rotation of the finding's secret, safe to paste into a
 * shell: the reason holds only the rule id and the finding id, stripped to plain characters,
 * and the name is quoted unless it is made of characters a shell leaves alone. A secret ARN
 * that is not a validated ARN of this deployment (another account, a forged one) is named
 * whole instead of by its name, so the command can never rotate this account's secret of the
 * same name because of a record about someone else's.
 */
export function emergencyCommand(alert: Pick<Alert, 'finding' | 'deployment'>): string | undefined {
  const { finding } = alert;
  const arn = finding.secret?.arn;
  const target = arn && !validatedSecretName(arn, alert.deployment) ? arn : secretNameOf(finding);
  if (!target || finding.status === 'resolved') return undefined;
  const reason = `${finding.ruleId} finding ${finding.id}`.replace(/[^A-Za-z0-9 ._:/@+=-]/g, '-').slice(0, 200);
  return `keywarden emergency --secret ${shellWord(target)} --reason "${reason}"`;
}

/** "Seen 38 times since ...; 36 repeats grouped since the last alert", or undefined for a first sighting. */
export function groupSentence(alert: Alert): string | undefined {
  const { occurrences, firstSeenAt, groupedSinceLastAlert } = alert.group;
  if (occurrences <= 1 && groupedSinceLastAlert === 0) return undefined;
  const seen = alert.finding.status === 'resolved' ? `Resolved after ${occurrences} occurrence(s)` : `Seen ${occurrences} times`;
  const grouped = groupedSinceLastAlert > 0 ? `; ${groupedSinceLastAlert} repeat(s) were grouped into this alert instead of being sent` : '';
  return `${seen} since ${firstSeenAt}${grouped}.`;
}

/**
 * The word as a shell reads it: bare when plain, single-quoted otherwise, and in ANSI-C quoting
 * (`$'...'`, every unusual character as an escape) when it holds a character that is not
 * printable or that changes how text is displayed, so what on-call sees is what the shell runs.
 */
function shellWord(word: string): string {
  if (/^[A-Za-z0-9_./@+=:-]+$/.test(word)) return word;
  if (/^[\x20-\x7e]+$/.test(word)) return `'${word.replaceAll("'", "'\\''")}'`;
  const escaped = [...word].map((ch) => (/^[A-Za-z0-9_./@+=:, -]$/.test(ch) ? ch : unicodeEscape(ch))).join('');
  return `$'${escaped}'`;
}

function unicodeEscape(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
}
