import { randomBytes } from 'node:crypto';
import { startStandin, type StandinOptions, type StandinServer } from './http';

/**
 * A stand-in for PagerDuty's Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * it checks each event as PagerDuty does (routing_key, event_action, dedup_key, and for a
 * trigger the payload's summary of at most 1024 characters, source, severity) and answers
 * `202 {"status":"success","message":"Event processed","dedup_key":...}` or
 * `400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}`. It keeps
 * incidents by dedup key: a trigger opens one (or adds to the open one), a resolve closes it.
 */

/** PagerDuty's limits and enums. */
export const PAGERDUTY_RULES = {
  summary: 1024,
  dedupKey: 255,
  severities: ['critical', 'error', 'warning', 'info'],
  actions: ['trigger', 'acknowledge', 'resolve'],
} as const;

/** An incident as the stand-in keeps it. */
export interface StandinIncident {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** Trigger events received for it (the first opens it, the rest are deduplicated into it). */
  triggers: number;
  resolves: number;
  /** How many times it was opened (again after a resolve). */
  opened: number;
  lastTrigger?: Record<string, unknown>;
}

/** A running PagerDuty stand-in. */
export interface PagerDutyStandin extends StandinServer {
  /** The events URL to configure (`.../v2/enqueue`). */
  eventsUrl: string;
  /** The routing key it accepts. */
  routingKey: string;
  /** Accepted events, in order. */
  events: Array<Record<string, unknown>>;
  incidents: Map<string, StandinIncident>;
  /** Why events were refused. */
  rejections: string[][];
}

/** Problems with an event, in PagerDuty's words; empty when it would be accepted. */
export function pagerDutyEventProblems(event: unknown, routingKey: string): string[] {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return ['Event object is invalid'];
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) problems.push("'routing_key' must be a 32 character string");
  else if (e.routing_key !== routingKey) problems.push('Invalid routing key');
  if (typeof e.event_action !== 'string' || !(PAGERDUTY_RULES.actions as readonly string[]).includes(e.event_action)) {
    problems.push("'event_action' must be one of trigger, acknowledge, resolve");
  }
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length === 0 || e.dedup_key.length > PAGERDUTY_RULES.dedupKey)) {
    problems.push(`'dedup_key' must be a string of 1 to ${PAGERDUTY_RULES.dedupKey} characters`);
  }
  if (e.event_action !== 'trigger') {
    if (e.dedup_key === undefined) problems.push(`'dedup_key' is required for ${String(e.event_action)}`);
    return problems;
  }
  const p = e.payload as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') return [...problems, "'payload' is missing or not an object"];
  if (typeof p.summary !== 'string' || p.summary.length === 0) problems.push("'payload.summary' is missing");
  else if (p.summary.length > PAGERDUTY_RULES.summary) problems.push(`'payload.summary' is longer than ${PAGERDUTY_RULES.summary} characters`);
  if (typeof p.source !== 'string' || p.source.length === 0) problems.push("'payload.source' is missing");
  if (typeof p.severity !== 'string' || !(PAGERDUTY_RULES.severities as readonly string[]).includes(p.severity)) {
    problems.push("'payload.severity' must be one of critical, error, warning, info");
  }
  if (p.timestamp !== undefined && (typeof p.timestamp !== 'string' || Number.isNaN(Date.parse(p.timestamp)))) problems.push("'payload.timestamp' is not an ISO 8601 time");
  for (const key of ['component', 'group', 'class'] as const) {
    if (p[key] !== undefined && typeof p[key] !== 'string') problems.push(`'payload.${key}' must be a string`);
  }
  if (e.links !== undefined) {
    if (!Array.isArray(e.links) || e.links.some((l) => typeof (l as { href?: unknown })?.href !== 'string')) problems.push("'links' must be a list of objects with an 'href'");
  }
  return problems;
}

/** Starts a PagerDuty Events API v2 stand-in. */
export async function startPagerDutyStandin(options: StandinOptions & { routingKey?: string } = {}): Promise<PagerDutyStandin> {
  const routingKey = options.routingKey ?? randomBytes(16).toString('hex');
  const events: PagerDutyStandin['events'] = [];
  const incidents = new Map<string, StandinIncident>();
  const rejections: string[][] = [];
  const invalid = (errors: string[]) => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } });
  const server = await startStandin(
    {
      name: 'pagerduty stand-in',
      badRequest: () => invalid(['injected refusal']),
      reset: () => {
        events.length = 0;
        incidents.clear();
        rejections.length = 0;
      },
      handle(request) {
        if (request.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found', message: 'Not Found' } };
        if (request.method !== 'POST') return { status: 405, body: { status: 'error', message: 'Method Not Allowed' } };
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(request.body) as Record<string, unknown>;
        } catch {
          rejections.push(['Invalid JSON']);
          return invalid(['Invalid JSON']);
        }
        const problems = pagerDutyEventProblems(event, routingKey);
        if (problems.length > 0) {
          rejections.push(problems);
          return invalid(problems);
        }
        const dedupKey = (event.dedup_key as string | undefined) ?? randomBytes(16).toString('hex');
        events.push(event);
        apply(incidents, dedupKey, event);
        return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
      },
    },
    options,
  );
  return Object.assign(server, { eventsUrl: `${server.origin}/v2/enqueue`, routingKey, events, incidents, rejections });
}

function apply(incidents: Map<string, StandinIncident>, dedupKey: string, event: Record<string, unknown>): void {
  const incident = incidents.get(dedupKey);
  switch (event.event_action) {
    case 'trigger':
      if (!incident) incidents.set(dedupKey, { dedupKey, status: 'triggered', triggers: 1, resolves: 0, opened: 1, lastTrigger: event });
      else {
        if (incident.status === 'resolved') incident.opened += 1;
        incident.status = 'triggered';
        incident.triggers += 1;
        incident.lastTrigger = event;
      }
      break;
    case 'acknowledge':
      if (incident && incident.status === 'triggered') incident.status = 'acknowledged';
      break;
    case 'resolve':
      // PagerDuty accepts a resolve for a key with no open incident and does nothing.
      if (incident) {
        incident.status = 'resolved';
        incident.resolves += 1;
      }
      break;
  }
}
