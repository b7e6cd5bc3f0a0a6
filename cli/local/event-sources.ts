import { bundleName } from './lambda-endpoint';
import type { CfnResource, CfnTemplate } from './template';

/**
 * What makes the deployed stack move on its own, read from the packaged template (never a second,
 * hand-kept list): Lambda's SQS event source mappings and EventBridge's schedule rules that
 * target a function. `keywarden local up` plays both against the local AWS (see runner.ts).
 */

/** One `AWS::Lambda::EventSourceMapping` from an SQS queue. */
export interface QueueMapping {
  logicalId: string;
  /** The bundle under `dist/functions/`: `alert`, `audit`. */
  functionName: string;
  /** The queue's logical id (`AlertQueue`). */
  queueLogicalId: string;
  /** Messages per invocation, as declared (Lambda's default 10). */
  batchSize: number;
  /** How long Lambda gathers messages before invoking with a partial batch (seconds, 0 = none). */
  batchingWindowSeconds: number;
  /** `FunctionResponseTypes: [ReportBatchItemFailures]`: only the reported messages are retried. */
  reportBatchItemFailures: boolean;
  /** The function's `Timeout` in seconds (Lambda's default 3). */
  timeoutSeconds: number;
  /** The queue's VisibilityTimeout (SQS's default 30) and redrive policy, for status lines. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount?: number;
  deadLetterQueueLogicalId?: string;
}

/** One schedule rule with a function target. */
export interface Schedule {
  logicalId: string;
  functionName: string;
  expression: string;
  /** The period of a `rate(...)` expression; undefined for a `cron(...)`, which is not played locally. */
  everyMs?: number;
  timeoutSeconds: number;
  /** The target's constant `Input`, when it has one; else the scheduled event EventBridge builds. */
  input?: unknown;
}

/** What the template declares. */
export interface EventSources {
  mappings: QueueMapping[];
  schedules: Schedule[];
  /** Declared sources that are not played locally, each with the reason. */
  unsupported: string[];
}

/** Reads the event source mappings and schedules of a packaged template. */
export function eventSourcesOf(template: CfnTemplate, stage: string): EventSources {
  const sources: EventSources = { mappings: [], schedules: [], unsupported: [] };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') addMapping(sources, logicalId, resource, template, stage);
    if (resource.Type === 'AWS::Events::Rule' && resource.Properties?.ScheduleExpression) addSchedules(sources, logicalId, resource, template, stage);
  }
  return sources;
}

function addMapping(sources: EventSources, logicalId: string, resource: CfnResource, template: CfnTemplate, stage: string): void {
  const p = resource.Properties ?? {};
  const queueLogicalId = getAttTarget(p.EventSourceArn);
  const functionLogicalId = getAttTarget(p.FunctionName);
  const queue = queueLogicalId ? template.Resources[queueLogicalId] : undefined;
  const fn = functionLogicalId ? template.Resources[functionLogicalId] : undefined;
  if (p.Enabled === false) return void sources.unsupported.push(`${logicalId}: disabled in the template`);
  if (!queue || queue.Type !== 'AWS::SQS::Queue' || !fn) return void sources.unsupported.push(`${logicalId}: not an SQS queue feeding a function of this template`);
  const redrive = (queue.Properties?.RedrivePolicy ?? {}) as { maxReceiveCount?: number | string; deadLetterTargetArn?: unknown };
  sources.mappings.push({
    logicalId,
    functionName: functionNameOf(fn, functionLogicalId!, stage),
    queueLogicalId: queueLogicalId!,
    batchSize: Number(p.BatchSize ?? 10),
    batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
    timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
    visibilityTimeoutSeconds: Number(queue.Properties?.VisibilityTimeout ?? 30),
    ...(redrive.maxReceiveCount !== undefined && { maxReceiveCount: Number(redrive.maxReceiveCount) }),
    ...(getAttTarget(redrive.deadLetterTargetArn) && { deadLetterQueueLogicalId: getAttTarget(redrive.deadLetterTargetArn) }),
  });
}

function addSchedules(sources: EventSources, logicalId: string, resource: CfnResource, template: CfnTemplate, stage: string): void {
  const p = resource.Properties ?? {};
  if (p.State === 'DISABLED') return;
  const expression = String(p.ScheduleExpression);
  for (const target of (p.Targets ?? []) as Array<{ Arn?: unknown; Input?: string }>) {
    const functionLogicalId = getAttTarget(target.Arn);
    const fn = functionLogicalId ? template.Resources[functionLogicalId] : undefined;
    if (!fn || fn.Type !== 'AWS::Lambda::Function') {
      sources.unsupported.push(`${logicalId}: a schedule whose target is not a function of this template`);
      continue;
    }
    const everyMs = rateMs(expression);
    if (everyMs === undefined) sources.unsupported.push(`${logicalId}: ${expression} (only rate(...) runs by itself locally; use \`keywarden local tick\`)`);
    sources.schedules.push({
      logicalId,
      functionName: functionNameOf(fn, functionLogicalId!, stage),
      expression,
      ...(everyMs !== undefined && { everyMs }),
      timeoutSeconds: Number(fn.Properties?.Timeout ?? 3),
      ...(typeof target.Input === 'string' && { input: JSON.parse(target.Input) as unknown }),
    });
  }
}

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** `rate(1 hour)` → 3,600,000; undefined for anything else. */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  return n > 0 ? n * UNIT_MS[match[2]!]! : undefined;
}

function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function functionNameOf(fn: CfnResource, logicalId: string, stage: string): string {
  const declared = fn.Properties?.FunctionName;
  if (typeof declared === 'string') return bundleName(declared, stage);
  return logicalId.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase());
}
