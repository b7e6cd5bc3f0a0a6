import { jsonDisplaySafe, singleLine, terminalSafe } from '../../display-text';
import type { Alert, AlertChannel, DeliveryContext } from '../channel';
import type { EgressPolicy } from '../egress';
import { evidenceJson, truncationNote } from '../evidence';
import { floodSentence } from '../flood-presentation';
import { postJson, redactedJson, systemHttpRuntime, type HttpRuntime, type RetryPolicy } from '../http-post';
import { paceKey, waitForSlot, type SendPacer } from '../pacing';
import { emergencyCommand, groupSentence, headline, secretConsoleUrl, secretNameOf, severityLabel, statusIcon } from '../presentation';

/**
 * Slack through an incoming webhook, as Block Kit: a header, the facts as fields, the group's
 * count, the evidence in code blocks, the runbook, and the emergency-rotation command. Every
 * text stays within Slack's limits; evidence too long for them is cut with a note. Sends are
 * paced to about one a second per webhook, and a 429's Retry-After is waited out.
 *
 * Most of the text comes from CloudTrail records, written by whoever made the call. Slack reads
 * `<...>` as a mention (`<!channel>`, `<!here>`, `<@U123>`) or a link (`<http://x|y>`), so every
 * text (the notification `text`, the header, every field, section and context) has `&`, `<` and
 * `>` escaped as Slack asks, control and bidi characters removed, and every mrkdwn object is
 * `verbatim` (no auto-linking of bare URLs or channel names). The only link keywarden writes is
 * the console link, built from a validated ARN of this deployment (console-link.ts).
 */

/** Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  /** The top-level `text` (the notification); Slack truncates beyond 40,000. */
  messageText: 3000,
} as const;

/** Evidence sections per message: enough for real evidence, short enough to read in a channel. */
export const DEFAULT_EVIDENCE_SECTIONS = 4;

type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string; verbatim?: boolean };

/** The blocks keywarden sends. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

/** An incoming-webhook payload. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's mrkdwn needs only these three escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes `raw` and clips the result to `max`, never splitting an entity such as `&amp;` or a surrogate pair. */
function escapedClip(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  let cut = escaped.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A mrkdwn text object whose text Slack takes as written: no auto-linked URLs or channel names. */
function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** Triple backticks inside a code block would close it. */
function codeSafe(raw: string): string {
  return raw.replace(/```/g, '`\u200b`\u200b`');
}

/**
 * Splits `raw` into pieces whose escaped form is at most `size` characters, breaking at a line
 * end where one is near, and never inside a surrogate pair.
 */
export function splitForSections(raw: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < raw.length) {
    let length = 0;
    let end = start;
    let lastBreak = -1;
    while (end < raw.length) {
      const ch = raw[end]!;
      const add = ch === '&' ? 5 : ch === '<' || ch === '>' ? 4 : 1;
      if (length + add > size) break;
      length += add;
      if (ch === '\n') lastBreak = end;
      end += 1;
    }
    if (end < raw.length && lastBreak > start && lastBreak - start > size / 2) end = lastBreak + 1;
    if (end < raw.length && /[\uD800-\uDBFF]/.test(raw[end - 1]!)) end -= 1;
    pieces.push(raw.slice(start, end));
    start = end;
  }
  return pieces;
}

const FENCE = '```';

function evidenceBlocks(alert: Alert, maxSections: number): SlackBlock[] {
  const raw = codeSafe(jsonDisplaySafe(evidenceJson(alert.finding.evidence)));
  const title = '*Evidence*\n';
  const room = SLACK_LIMITS.sectionText - title.length - 2 * FENCE.length - 2;
  const pieces = splitForSections(raw, room);
  const shown = pieces.slice(0, maxSections);
  const blocks: SlackBlock[] = shown.map((piece, i) => ({
    type: 'section',
    text: mrkdwn(`${i === 0 ? title : ''}${FENCE}\n${escapeMrkdwn(piece)}\n${FENCE}`),
  }));
  if (pieces.length > shown.length) {
    const shownChars = shown.reduce((sum, piece) => sum + piece.length, 0);
    blocks.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(truncationNote('evidence', shownChars, raw.length, "Slack's message limits")))] });
  }
  return blocks;
}

function field(label: string, value: string): TextObject {
  return mrkdwn(`*${label}*\n${escapedClip(singleLine(value), SLACK_LIMITS.fieldText - label.length - 3)}`);
}

/** A section of record-derived text, escaped and within the section limit. */
function textSection(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(escapedClip(singleLine(text), SLACK_LIMITS.sectionText)) };
}

function principalText(alert: Alert): string {
  const p = alert.finding.principal;
  if (!p) return '—';
  const who = p.arn ?? p.type ?? '—';
  const extras = [p.accessKeyId && `key ${p.accessKeyId}`, p.tenant && `tenant ${p.tenant}`].filter(Boolean).join(', ');
  return extras ? `${who} (${extras})` : who;
}

function runbookBlock(raw: string): SlackBlock {
  const runbook = terminalSafe(raw);
  const title = '*Runbook*\n';
  const room = SLACK_LIMITS.sectionText - title.length;
  if (escapeMrkdwn(runbook).length <= room) return { type: 'section', text: mrkdwn(title + escapeMrkdwn(runbook)) };
  // Leave room for the note (under 150 characters with any realistic length).
  const kept = splitForSections(runbook, room - 160)[0]!;
  const note = truncationNote('runbook', kept.length, runbook.length, "Slack's section limit");
  return { type: 'section', text: mrkdwn(`${title}${escapeMrkdwn(kept)}… ${escapeMrkdwn(note)}`) };
}

/** The Block Kit message for an alert, within Slack's limits, every record-derived text escaped. */
export function renderSlackMessage(alert: Alert, maxEvidenceSections = DEFAULT_EVIDENCE_SECTIONS): SlackMessage {
  const { finding } = alert;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: escapedClip(`${statusIcon(finding)} ${headline(alert)}`, SLACK_LIMITS.headerText), emoji: true } },
    {
      type: 'section',
      fields: [
        field('Severity', severityLabel(finding.severity)),
        field('Status', finding.status),
        field('Rule', finding.ruleId),
        field('Secret', secretNameOf(finding) ?? '—'),
        field('Tenant', finding.tenant ?? '— (no tenant)'),
        // With member accounts a secret's name alone is ambiguous; one account shows none.
        ...(finding.account !== undefined ? [field('Account', finding.account)] : []),
        field('Principal', principalText(alert)),
        field('Observed', finding.observedAt),
        field('Source', finding.source),
      ],
    },
  ];
  for (const sentence of [groupSentence(alert), floodSentence(alert)]) if (sentence) blocks.push(textSection(sentence));
  blocks.push(...evidenceBlocks(alert, maxEvidenceSections));
  blocks.push(runbookBlock(finding.runbook));
  const command = emergencyCommand(alert);
  if (command) {
    blocks.push({ type: 'section', text: mrkdwn(`*If the secret may have leaked, rotate it now:*\n${FENCE}${escapeMrkdwn(command)}${FENCE}`) });
  }
  const console = secretConsoleUrl(alert);
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(escapedClip(singleLine(`keywarden ${alert.stage} · finding ${finding.id} · dedup ${finding.dedupKey}`), SLACK_LIMITS.contextText)),
      // Built from a validated ARN only; percent-encoded, so it holds no `|` or `>`.
      ...(console ? [mrkdwn(`<${console}|Open the secret in the AWS console>`)] : []),
    ],
  });
  return { text: escapedClip(headline(alert), SLACK_LIMITS.messageText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** What the Slack channel needs from the channel configuration. */
export interface SlackSettings {
  webhookUrl: string;
  /** Pause between two messages to this webhook; Slack allows about one a second. */
  minIntervalMs: number;
}

/** The Slack channel. */
export class SlackChannel implements AlertChannel {
  readonly name = 'slack' as const;
  private readonly paceKey: string;

  constructor(
    private readonly settings: SlackSettings,
    /** `egress`: the hosts the webhook URL may name (egress.ts). */
    private readonly deps: { pacer: SendPacer; policy: RetryPolicy; egress: EgressPolicy; runtime?: HttpRuntime },
  ) {
    this.paceKey = `slack:${paceKey(settings.webhookUrl)}`;
  }

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    const runtime = this.deps.runtime ?? systemHttpRuntime;
    await postJson(
      {
        channel: this.name,
        url: this.settings.webhookUrl,
        egress: this.deps.egress,
        body: redactedJson(renderSlackMessage(alert)),
        policy: this.deps.policy,
        deadline: context.deadline,
        beforeEach: () => waitForSlot(this.deps.pacer, this.paceKey, this.settings.minIntervalMs, runtime.sleep),
      },
      runtime,
    );
  }
}
