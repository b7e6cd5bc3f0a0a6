import { randomBytes } from 'node:crypto';
import { startStandin, type StandinOptions, type StandinServer } from './http';

/**
 * A stand-in for a Slack incoming webhook: it accepts a POST to its webhook path, checks the
 * payload against Slack's rules for messages and Block Kit (https://api.slack.com/reference/block-kit/blocks)
 * and answers as Slack does: `200 ok`, or `400 invalid_payload`, `400 no_text`, `400 invalid_blocks`,
 * `404 no_service` for another path. Faults (429 with Retry-After, 5xx, slow) come from the
 * shared fault injector. Accepted messages are kept in `messages`.
 */

/** Slack's limits as the stand-in enforces them. */
export const SLACK_RULES = {
  blocks: 50,
  messageText: 40_000,
  headerText: 150,
  textObject: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  blockId: 255,
} as const;

const BLOCK_TYPES = new Set(['section', 'header', 'context', 'divider', 'actions', 'image', 'rich_text', 'input', 'file', 'video']);

/** A running Slack stand-in. */
export interface SlackStandin extends StandinServer {
  /** The incoming-webhook URL to configure. */
  webhookUrl: string;
  /** Payloads Slack would have posted, in order. */
  messages: Array<{ text?: string; blocks?: unknown[] }>;
  /** Why payloads were refused (Slack only answers `invalid_blocks`; this says which rule). */
  rejections: string[][];
}

/** Problems with a payload, in Slack's terms; empty when Slack would post it. */
export function slackPayloadProblems(payload: unknown): string[] {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return ['the payload is not a JSON object'];
  const { text, blocks } = payload as { text?: unknown; blocks?: unknown };
  const problems: string[] = [];
  if (text !== undefined && typeof text !== 'string') problems.push('text must be a string');
  if (typeof text === 'string' && text.length > SLACK_RULES.messageText) problems.push(`text is longer than ${SLACK_RULES.messageText}`);
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) return [...problems, 'blocks must be an array'];
  if (blocks.length > SLACK_RULES.blocks) problems.push(`blocks holds ${blocks.length} blocks, more than ${SLACK_RULES.blocks}`);
  blocks.forEach((block, i) => problems.push(...blockProblems(block, `blocks[${i}]`)));
  return problems;
}

function blockProblems(block: unknown, where: string): string[] {
  if (!block || typeof block !== 'object') return [`${where} is not an object`];
  const b = block as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) return [`${where}.type ${JSON.stringify(b.type)} is not a block type`];
  if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > SLACK_RULES.blockId)) problems.push(`${where}.block_id is invalid`);
  switch (b.type) {
    case 'header':
      problems.push(...textProblems(b.text, `${where}.text`, SLACK_RULES.headerText, ['plain_text']));
      break;
    case 'section': {
      if (b.text === undefined && b.fields === undefined) problems.push(`${where} needs text or fields`);
      if (b.text !== undefined) problems.push(...textProblems(b.text, `${where}.text`, SLACK_RULES.textObject));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > SLACK_RULES.sectionFields) {
          problems.push(`${where}.fields must hold 1 to ${SLACK_RULES.sectionFields} text objects`);
        } else {
          b.fields.forEach((f, i) => problems.push(...textProblems(f, `${where}.fields[${i}]`, SLACK_RULES.fieldText)));
        }
      }
      break;
    }
    case 'context': {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > SLACK_RULES.contextElements) {
        problems.push(`${where}.elements must hold 1 to ${SLACK_RULES.contextElements} elements`);
      } else {
        b.elements.forEach((e, i) => {
          if ((e as { type?: unknown })?.type !== 'image') problems.push(...textProblems(e, `${where}.elements[${i}]`, SLACK_RULES.textObject));
        });
      }
      break;
    }
    case 'divider':
      for (const key of Object.keys(b)) if (key !== 'type' && key !== 'block_id') problems.push(`${where} (divider) has an unknown field ${key}`);
      break;
    default:
      break;
  }
  return problems;
}

function textProblems(value: unknown, where: string, max: number, types = ['plain_text', 'mrkdwn']): string[] {
  if (!value || typeof value !== 'object') return [`${where} must be a text object`];
  const t = value as Record<string, unknown>;
  if (typeof t.type !== 'string' || !types.includes(t.type)) return [`${where}.type must be ${types.join(' or ')}`];
  if (typeof t.text !== 'string' || t.text.length === 0) return [`${where}.text must be a non-empty string`];
  if (t.text.length > max) return [`${where}.text is ${t.text.length} characters, more than ${max}`];
  for (const key of Object.keys(t)) {
    if (!['type', 'text', 'emoji', 'verbatim'].includes(key)) return [`${where} has an unknown field ${key}`];
  }
  if (t.type === 'mrkdwn' && t.emoji !== undefined) return [`${where}: emoji is only for plain_text`];
  return [];
}

/** Starts a Slack incoming-webhook stand-in; its path holds a random token, like Slack's. */
export async function startSlackStandin(options: StandinOptions & { token?: string } = {}): Promise<SlackStandin> {
  const path = `/services/T0KEYWARDEN/B0STANDIN/${options.token ?? randomBytes(12).toString('hex')}`;
  const messages: SlackStandin['messages'] = [];
  const rejections: string[][] = [];
  const server = await startStandin(
    {
      name: 'slack stand-in',
      badRequest: () => ({ status: 400, body: 'invalid_payload' }),
      reset: () => {
        messages.length = 0;
        rejections.length = 0;
      },
      handle(request) {
        if (request.path !== path) return { status: 404, body: 'no_service' };
        if (request.method !== 'POST') return { status: 405, body: 'invalid_request' };
        let payload: unknown;
        try {
          payload = JSON.parse(request.body);
        } catch {
          return { status: 400, body: 'invalid_payload' };
        }
        const p = payload as { text?: unknown; blocks?: unknown };
        if (p && typeof p === 'object' && (p.text === undefined || p.text === '') && (!Array.isArray(p.blocks) || p.blocks.length === 0)) {
          return { status: 400, body: 'no_text' };
        }
        const problems = slackPayloadProblems(payload);
        if (problems.length > 0) {
          rejections.push(problems);
          return { status: 400, body: problems.some((x) => x.startsWith('blocks')) ? 'invalid_blocks' : 'invalid_payload' };
        }
        messages.push(payload as SlackStandin['messages'][number]);
        return { status: 200, body: 'ok' };
      },
    },
    options,
  );
  return Object.assign(server, { webhookUrl: `${server.origin}${path}`, messages, rejections });
}
