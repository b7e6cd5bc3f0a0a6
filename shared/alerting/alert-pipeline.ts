import type { TenancyConfig } from '../tenancy';
import type { Clock } from '../clock';
import { ChannelDeliveryError, InvalidRequestError, KeywardenError } from '../errors';
import { redact } from '../redact';
import type { AlertStateStore, ClaimContext, DeliveryRecord, FindingState, FloodWrites } from './alert-state';
import type { Alert, AlertChannel, ChannelName } from './channel';
import type { ChannelConfig } from './channel-config';
import type { AwsDeployment } from './console-link';
import type { DeadLetterKind, DeadLetterSink, FallbackNotifier } from './dead-letter';
import { parseQueuedBody } from './envelope';
import type { Finding } from '../finding';
import { decideFlood, DEFAULT_FLOOD_SETTINGS, floodKeysOf, NOTIFYING_MODES, type FloodDecision, type FloodSettings } from './flood-control';
import { presentFlood } from './flood-presentation';
import { decideClaim } from './grouping';
import { channelsFor } from './routing';

/**
 * The alert function's use case: one queue message at a time, parse → claim (dedup and
 * grouping) → deliver to each channel the route names → record each channel's outcome. A
 * message whose channels all took it is done; one with channels that failed retryably is
 * handed back to the queue (a partial batch failure), and its next receive sends only those
 * channels; on the last receive, or when a channel refused it for good, it goes to the
 * dead-letter queue with the reason and the fallback topic gets a notice. A malformed message
 * goes there at once. Flood control (flood-control.ts) is decided in the claim: a finding it
 * holds back is still claimed, recorded and sent to SNS, with PagerDuty and Slack recorded as
 * skipped and why.
 */

/** Settings of the pipeline (from the function's environment). */
export interface AlertPipelineSettings {
  stage: string;
  /** Repeats of a dedup key inside this window are counted, not sent. */
  windowMs: number;
  /** The alert queue's maxReceiveCount: the receive that is the last chance. */
  maxReceives: number;
  /** Time kept free before the invocation's deadline, for recording and answering. */
  reserveMs: number;
  /** Flood control; {@link DEFAULT_FLOOD_SETTINGS} when absent. */
  flood?: FloodSettings;
  /** This deployment: console links only for its secrets; none at all when absent. */
  deployment?: AwsDeployment;
}

/** Where the pipeline writes what it did (the Powertools logger in the function). */
export interface PipelineLog {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/** Everything the pipeline works with. */
export interface AlertPipelineDeps {
  state: AlertStateStore;
  config: { get(): Promise<ChannelConfig> };
  channels: (config: ChannelConfig) => Map<ChannelName, AlertChannel>;
  deadLetters: DeadLetterSink;
  fallback: FallbackNotifier;
  clock: Clock;
  settings: AlertPipelineSettings;
  tenancy?: TenancyConfig;
  log?: PipelineLog;
}

/** One queue message, whatever the queue. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  /** 1 on the first receive. */
  receiveCount: number;
}

/** What became of a message: done (delete it), or retry (hand it back to the queue). */
export type MessageOutcome = { result: 'done'; note: string; findingId?: string } | { result: 'retry'; reason: string; findingId?: string };

/** SQS's partial batch response. */
export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

const silent: PipelineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Processes a batch in order and returns the messages to retry. Stops starting new messages
 * when less than `reserveMs` of the invocation is left, handing the rest back unprocessed.
 */
export async function processAlertBatch(messages: readonly QueuedMessage[], deps: AlertPipelineDeps, remainingMs: () => number): Promise<BatchResponse> {
  const failures: BatchResponse['batchItemFailures'] = [];
  const log = deps.log ?? silent;
  for (const message of messages) {
    const left = remainingMs() - deps.settings.reserveMs;
    if (left <= 0) {
      failures.push({ itemIdentifier: message.messageId });
      log.warn('no time left in this invocation; handing the message back', { messageId: message.messageId });
      continue;
    }
    const outcome = await processAlertMessage(message, deps, Date.now() + left);
    if (outcome.result === 'retry') failures.push({ itemIdentifier: message.messageId });
    const details = { messageId: message.messageId, receiveCount: message.receiveCount, findingId: outcome.findingId };
    if (outcome.result === 'retry') log.warn('alert handed back for a retry', { ...details, reason: outcome.reason });
    else log.info('alert message done', { ...details, note: outcome.note });
  }
  return { batchItemFailures: failures };
}

/** Processes one message; never throws (every failure is an outcome). */
export async function processAlertMessage(message: QueuedMessage, deps: AlertPipelineDeps, deadline: number): Promise<MessageOutcome> {
  let finding: Finding;
  try {
    const parsed = parseQueuedBody(message.body, deps.tenancy);
    if (parsed.kind === 'ignored') return { result: 'done', note: `ignored: ${parsed.reason}` };
    finding = parsed.finding;
  } catch (error) {
    if (error instanceof InvalidRequestError) return deadLetter(message, 'malformed', error.message, deps);
    return retryOrDeadLetter(message, describe(error), deps);
  }
  try {
    return await deliverFinding(message, finding, deps, deadline);
  } catch (error) {
    return retryOrDeadLetter(message, describe(error), deps, finding);
  }
}

async function deliverFinding(message: QueuedMessage, finding: Finding, deps: AlertPipelineDeps, deadline: number): Promise<MessageOutcome> {
  const config = await deps.config.get().catch((error: unknown) => {
    throw new KeywardenError(`channel configuration: ${describe(error)}`, { cause: error });
  });
  const { state, fresh } = await claim(finding, config, deps);
  const done = (note: string): MessageOutcome => ({ result: 'done', note, findingId: finding.id });
  if (state.role !== 'send') return done(`${state.role} (dedup key ${finding.dedupKey})`);
  const redrive = Boolean(state.deadLetteredAt);
  if (redrive) await deps.state.markDeadLettered(finding.id, undefined);
  const pending = state.channels.filter((channel) => needsDelivery(state, channel, redrive));
  if (pending.length === 0) {
    await markTold(state, finding, [], deps);
    return done(state.flood && !NOTIFYING_MODES.has(state.flood.mode) ? `${state.flood.mode} by flood control; no other channel routed` : 'every channel already has it');
  }
  if (!fresh && finding.status === 'open' && (await resolvedMeanwhile(state, deps))) {
    await skip(state, pending, message, deps, 'the problem was resolved before this alert could be delivered');
    return done('resolved before delivery; not sent');
  }

  const channels = deps.channels(config);
  const alert = alertOf(finding, state, deps.settings);
  const failures: Array<{ channel: ChannelName; reason: string; retryable: boolean }> = [];
  const sent: ChannelName[] = [];
  for (const name of pending) {
    const failure = await deliverOne(channels.get(name), name, alert, deadline);
    const at = deps.clock.now().toISOString();
    if (failure) {
      failures.push({ channel: name, ...failure });
      await deps.state.recordDelivery(finding.id, name, { outcome: failure.retryable ? 'failed' : 'rejected', at, attempt: message.receiveCount, reason: failure.reason });
    } else {
      await deps.state.recordDelivery(finding.id, name, { outcome: 'sent', at, attempt: message.receiveCount });
      sent.push(name);
    }
  }
  await markTold(state, finding, sent, deps);
  const mode = state.flood && state.flood.mode !== 'page' ? `${state.flood.mode}; ` : '';
  const delivered = state.channels.filter((channel) => state.deliveries[channel]?.outcome !== 'skipped');
  if (failures.length === 0) return done(`${mode}delivered to ${delivered.join(', ')}`);
  const reason = failures.map((f) => f.reason).join('; ');
  const last = message.receiveCount >= deps.settings.maxReceives || failures.every((f) => !f.retryable);
  if (!last) return { result: 'retry', reason, findingId: finding.id };
  return deadLetter(message, 'undeliverable', reason, deps, finding);
}

/** Claims the occurrence (or finds its earlier claim), retrying when another writer moved the group. */
async function claim(finding: Finding, config: ChannelConfig, deps: AlertPipelineDeps): Promise<{ state: FindingState; fresh: boolean }> {
  const floodKeys = floodKeysOf(finding);
  for (let attempt = 1; attempt <= 8; attempt += 1) {
    const stored = await deps.state.getFindingAndGroup(finding.id, finding.dedupKey, floodKeys);
    if (stored.finding) return { state: stored.finding, fresh: false };
    const { group } = stored;
    const now = deps.clock.now();
    const decision = decideClaim(finding, group, now, deps.settings.windowMs);
    const channels = decision.role === 'send' ? (decision.resolveTo ?? channelsFor(finding, config.routes)) : [];
    const flood = decision.role === 'send' ? floodFor(finding, channels, stored, now, deps.settings) : undefined;
    const state: FindingState = {
      findingId: finding.id,
      dedupKey: finding.dedupKey,
      status: finding.status,
      role: decision.role === 'send' && channels.length === 0 ? 'unrouted' : decision.role,
      episode: decision.episode,
      channels,
      summary: decision.summary,
      deliveries: flood ? heldBack(flood, channels, now) : {},
      claimedAt: now.toISOString(),
      ...(flood && { flood: flood.mark }),
    };
    const writes: FloodWrites = flood ? { flood: flood.flood, cap: flood.cap } : {};
    const result = await deps.state.claim(state, { next: decision.next, expectedVersion: group?.version }, writes);
    if (result === 'claimed') return { state, fresh: true };
  }
  throw new KeywardenError(`could not claim finding ${finding.id}: its group ${finding.dedupKey} kept changing under concurrent writers`);
}

/** PagerDuty and Slack: the channels that page and post, which flood control spares. */
const HUMAN_CHANNELS: ReadonlySet<ChannelName> = new Set(['pagerduty', 'slack']);

/** Flood control's decision for a finding about to be sent to a human channel; undefined when it does not apply. */
function floodFor(finding: Finding, channels: ChannelName[], stored: ClaimContext, now: Date, settings: AlertPipelineSettings): FloodDecision | undefined {
  const keys = floodKeysOf(finding);
  if (!keys || !channels.some((channel) => HUMAN_CHANNELS.has(channel))) return undefined;
  return decideFlood(finding, keys, stored, now, settings.flood ?? DEFAULT_FLOOD_SETTINGS);
}

/** The human channels a grouped or suppressed finding skips, recorded as such with the reason. */
function heldBack(flood: FloodDecision, channels: ChannelName[], now: Date): FindingState['deliveries'] {
  if (NOTIFYING_MODES.has(flood.mark.mode)) return {};
  const reason =
    flood.mark.mode === 'grouped'
      ? `grouped into the flood group of finding ${flood.mark.leadFindingId} (${flood.mark.count} findings of ${flood.mark.ruleId} from this principal)`
      : `suppressed by the page cap (${flood.mark.cap?.suppressed ?? 0} suppressed for this principal this hour; see the page-cap summary)`;
  const record: DeliveryRecord = { outcome: 'skipped', at: now.toISOString(), attempt: 0, reason };
  return Object.fromEntries(channels.filter((channel) => HUMAN_CHANNELS.has(channel)).map((channel) => [channel, record]));
}

/** The alert the channels are given: the finding, or for a flood update or page-cap summary, what stands for it. */
function alertOf(finding: Finding, state: FindingState, settings: AlertPipelineSettings): Alert {
  return {
    finding: state.flood ? presentFlood(finding, state.flood) : finding,
    group: state.summary,
    stage: settings.stage,
    deployment: settings.deployment,
    flood: state.flood,
  };
}

/**
 * Notes on the group which channels know about this episode, so its resolve reaches them: the
 * ones sent now and any recorded as sent by an earlier attempt that stopped before noting it.
 */
async function markTold(state: FindingState, finding: Finding, sentNow: ChannelName[], deps: AlertPipelineDeps): Promise<void> {
  if (finding.status !== 'open') return;
  const earlier = state.channels.filter((channel) => state.deliveries[channel]?.outcome === 'sent');
  await deps.state.markTold(finding.dedupKey, [...new Set([...earlier, ...sentNow])], state.episode);
}

function needsDelivery(state: FindingState, channel: ChannelName, redrive: boolean): boolean {
  const outcome = state.deliveries[channel]?.outcome;
  if (outcome === undefined || outcome === 'failed') return true;
  return redrive && outcome === 'rejected';
}

async function resolvedMeanwhile(state: FindingState, deps: AlertPipelineDeps): Promise<boolean> {
  const group = await deps.state.getGroup(state.dedupKey);
  return group?.status === 'resolved' && group.episode === state.episode;
}

async function skip(state: FindingState, channels: ChannelName[], message: QueuedMessage, deps: AlertPipelineDeps, reason: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  for (const channel of channels) await deps.state.recordDelivery(state.findingId, channel, { outcome: 'skipped', at, attempt: message.receiveCount, reason });
}

async function deliverOne(
  channel: AlertChannel | undefined,
  name: ChannelName,
  alert: Alert,
  deadline: number,
): Promise<{ reason: string; retryable: boolean } | undefined> {
  if (!channel) return { reason: `${name} is routed but no longer configured`, retryable: false };
  if (Date.now() >= deadline) return { reason: `${name}: no time left in this invocation`, retryable: true };
  try {
    await channel.deliver(alert, { deadline });
    return undefined;
  } catch (error) {
    // A service's answer can echo what it was sent; the reason goes to the state table, the
    // dead-letter queue and the fallback notice, so it is redacted here, once.
    if (error instanceof ChannelDeliveryError) return { reason: redact(error.message), retryable: error.retryable };
    return { reason: redact(`${name}: ${describe(error)}`), retryable: true };
  }
}

async function retryOrDeadLetter(message: QueuedMessage, reason: string, deps: AlertPipelineDeps, finding?: Finding): Promise<MessageOutcome> {
  if (message.receiveCount < deps.settings.maxReceives) return { result: 'retry', reason, findingId: finding?.id };
  return deadLetter(message, 'undeliverable', reason, deps, finding);
}

/**
 * Sends the message to the dead-letter queue with its reason, then tells the fallback topic.
 * If the dead-letter queue refuses, the message is handed back instead (SQS's own redrive
 * still moves it there after the last receive): it is never simply dropped.
 */
async function deadLetter(message: QueuedMessage, kind: DeadLetterKind, reason: string, deps: AlertPipelineDeps, finding?: Finding): Promise<MessageOutcome> {
  const log = deps.log ?? silent;
  try {
    await deps.deadLetters.send({
      body: message.body,
      reason,
      kind,
      messageId: message.messageId,
      receiveCount: message.receiveCount,
      findingId: finding?.id,
      dedupKey: finding?.dedupKey,
    });
  } catch (error) {
    return { result: 'retry', reason: `the dead-letter queue refused the message (${describe(error)}); it was going there because: ${reason}`, findingId: finding?.id };
  }
  if (finding) {
    await deps.state.markDeadLettered(finding.id, deps.clock.now().toISOString()).catch((error: unknown) => {
      log.error('could not mark the finding as dead-lettered', { findingId: finding.id, error: describe(error) });
    });
  }
  try {
    await deps.fallback.notify({ kind, reason, messageId: message.messageId, receiveCount: message.receiveCount, deadLetterQueue: deps.deadLetters.name, finding });
  } catch (error) {
    // The message is safe in the dead-letter queue, whose alarm also goes to the fallback topic.
    log.error('the fallback notice failed too', { messageId: message.messageId, error: describe(error) });
  }
  log.warn('alert dead-lettered', { messageId: message.messageId, kind, reason, findingId: finding?.id });
  return { result: 'done', note: `dead-lettered (${kind}): ${reason}`, findingId: finding?.id };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
