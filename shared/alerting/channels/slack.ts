import type { Alert, AlertChannel, DeliveryContext } from '../channel';
import { evidenceJson, truncationNote } from '../evidence';
import { postJson, systemHttpRuntime, type HttpRuntime, type RetryPolicy } from '../http-post';
import { paceKey, waitForSlot, type SendPacer } from '../pacing';
import { emergencyCommand, groupSentence, headline, secretConsoleUrl, secretNameOf, severityLabel, statusIcon } from '../presentation';

/**
 * Slack through an incoming webhook, as Block Kit: a header, the facts as fields, the group's
 * count, the evidence in code blocks, the runbook, and the emergency-rotation command. Every
 * text stays within Slack's limits; evidence too long for them is cut with a note. Sends are
 * paced to about one a second per webhook, and a 429's Retry-After is waited out.
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

type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };

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

/** Cuts `text` to `max` characters with an ellipsis. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escapes `raw` and clips the result to `max`, never splitting an entity such as `&amp;`. */
function escapedClip(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  const cut = escaped.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '');
  return `${cut}…`;
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
  const raw = codeSafe(evidenceJson(alert.finding.evidence));
  const title = '*Evidence*\n';
  const room = SLACK_LIMITS.sectionText - title.length - 2 * FENCE.length - 2;
  const pieces = splitForSections(raw, room);
  const shown = pieces.slice(0, maxSections);
  const blocks: SlackBlock[] = shown.map((piece, i) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `${i === 0 ? title : ''}${FENCE}\n${escapeMrkdwn(piece)}\n${FENCE}` },
  }));
  if (pieces.length > shown.length) {
    const shownChars = shown.reduce((sum, piece) => sum + piece.length, 0);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(truncationNote('evidence', shownChars, raw.length, "Slack's message limits")) }] });
  }
  return blocks;
}

function field(label: string, value: string): TextObject {
  return { type: 'mrkdwn', text: `*${label}*\n${escapedClip(value, SLACK_LIMITS.fieldText - label.length - 3)}` };
}

function principalText(alert: Alert): string {
  const p = alert.finding.principal;
  if (!p) return '—';
  const who = p.arn ?? p.type ?? '—';
  const extras = [p.accessKeyId && `key ${p.accessKeyId}`, p.tenant && `tenant ${p.tenant}`].filter(Boolean).join(', ');
  return extras ? `${who} (${extras})` : who;
}

function runbookBlock(runbook: string): SlackBlock {
  const title = '*Runbook*\n';
  const room = SLACK_LIMITS.sectionText - title.length;
  if (escapeMrkdwn(runbook).length <= room) return { type: 'section', text: { type: 'mrkdwn', text: title + escapeMrkdwn(runbook) } };
  // Leave room for the note (under 150 characters with any realistic length).
  const kept = splitForSections(runbook, room - 160)[0]!;
  const note = truncationNote('runbook', kept.length, runbook.length, "Slack's section limit");
  return { type: 'section', text: { type: 'mrkdwn', text: `${title}${escapeMrkdwn(kept)}… ${escapeMrkdwn(note)}` } };
}

/** The Block Kit message for an alert, within Slack's limits. */
export function renderSlackMessage(alert: Alert, maxEvidenceSections = DEFAULT_EVIDENCE_SECTIONS): SlackMessage {
  const { finding } = alert;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${statusIcon(finding)} ${headline(alert)}`, SLACK_LIMITS.headerText), emoji: true } },
    {
      type: 'section',
      fields: [
        field('Severity', severityLabel(finding.severity)),
        field('Status', finding.status),
        field('Rule', finding.ruleId),
        field('Secret', secretNameOf(finding) ?? '—'),
        field('Tenant', finding.tenant ?? '— (no tenant)'),
        field('Principal', principalText(alert)),
        field('Observed', finding.observedAt),
        field('Source', finding.source),
      ],
    },
  ];
  const group = groupSentence(alert);
  if (group) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapedClip(group, SLACK_LIMITS.sectionText) } });
  blocks.push(...evidenceBlocks(alert, maxEvidenceSections));
  blocks.push(runbookBlock(finding.runbook));
  const command = emergencyCommand(finding);
  if (command) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*If the secret may have leaked, rotate it now:*\n${FENCE}${escapeMrkdwn(command)}${FENCE}` },
    });
  }
  const console = secretConsoleUrl(finding);
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: escapedClip(`keywarden ${alert.stage} · finding ${finding.id} · dedup ${finding.dedupKey}`, SLACK_LIMITS.contextText) },
      ...(console ? [{ type: 'mrkdwn' as const, text: `<${console}|Open the secret in the AWS console>` }] : []),
    ],
  });
  return { text: clip(headline(alert), SLACK_LIMITS.messageText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
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
    private readonly deps: { pacer: SendPacer; policy: RetryPolicy; runtime?: HttpRuntime },
  ) {
    this.paceKey = `slack:${paceKey(settings.webhookUrl)}`;
  }

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    const runtime = this.deps.runtime ?? systemHttpRuntime;
    await postJson(
      {
        channel: this.name,
        url: this.settings.webhookUrl,
        body: JSON.stringify(renderSlackMessage(alert)),
        policy: this.deps.policy,
        deadline: context.deadline,
        beforeEach: () => waitForSlot(this.deps.pacer, this.paceKey, this.settings.minIntervalMs, runtime.sleep),
      },
      runtime,
    );
  }
}
