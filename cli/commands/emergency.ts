import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { InvalidRequestError } from '../../shared/errors';
import type { EmergencyReport, SecretReport } from '../../shared/emergency/report';
import { parseEmergencyRequest } from '../../shared/emergency/request';
import { invokeEmergency } from '../emergency-invoker';
import { ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget } from '../target';
import { looksLikeParameter } from '../../shared/ssm/scope';
import { parameterEmergency, parameterRepair } from './emergency-parameter';
import { resolveActingStage, STAGE_OPTION_HELP } from '../stage';

interface EmergencyOptions {
  secret?: string;
  tenant?: string;
  tag?: string;
  reason?: string;
  requestedBy?: string;
  requestId?: string;
  dryRun?: boolean;
  reviewDays?: string;
  timeout?: string;
  stage?: string;
  local?: boolean;
  repair?: boolean;
}

/**
 * `keywarden emergency`: the leaked-credential runbook in one command. The request is checked
 * here first (the same schema the function uses), so a typo is refused before anything runs.
 */
export function registerEmergencyCommand(program: Command): void {
  program
    .command('emergency')
    .description('a credential leaked: rotate now, revoke the old one, review who read it, notify')
    .option('--secret <name>', 'the secret (name or ARN)')
    .option('--tenant <tenant>', 'every secret of this tenant')
    .option('--tag <key=value>', 'every secret with this tag')
    .option('--reason <text>', 'why (required): it goes into the finding and the report')
    .option('--requested-by <who>', 'who asks (default: you, from the OS user and host)')
    .option('--request-id <id>', 'the same id twice runs once (default: a new id)')
    .option('--dry-run', 'show what would be done; change nothing, page nobody')
    .option('--review-days <n>', 'how many days of reads the access review covers (default 30)')
    .option('--timeout <seconds>', 'how long to wait for each rotation (default 300)')
    .option('--stage <stage>', `whose emergency function to invoke: ${STAGE_OPTION_HELP}`)
    .option('--local', 'use the running local AWS (keywarden local up); rotates in this process')
    .option('--repair', 'a parameter only: finish or undo an emergency that died part-way, from its journal; rotates nothing new')
    .addHelpText('after', '\nExit codes: 0 every step worked, 1 a step failed (see the report), 2 request refused (nothing changed).\n\nExample:\n  keywarden emergency --secret multitenant-ai-poc/tenant-1/partner-api-key --reason "key pasted in a public issue"')
    .action(async (options: EmergencyOptions, command: Command) => {
      const out = outputFor(command);
      if (options.repair) {
        if (options.secret === undefined || !looksLikeParameter(options.secret)) {
          throw new InvalidRequestError('--repair takes --secret /parameter/name; a secret\'s stuck rotation is repaired by keywarden doctor --fix or by its next emergency');
        }
        const target = await resolveTarget(options);
        const stage = resolveActingStage(options.stage, target);
        out.progress(`stage ${stage}`);
        const report = await parameterRepair(options.secret, stage, options.requestId ?? crypto.randomUUID());
        printReport(out, report);
        if (!report.ok) process.exitCode = ExitCode.Failure;
        return;
      }
      const payload = requestPayload(options);
      const request = parseEmergencyRequest(payload);
      const target = await resolveTarget(options);
      const stage = resolveActingStage(options.stage, target);
      if (request.target.kind === 'secret' && looksLikeParameter(request.target.secretId)) {
        out.progress(`${payload.dryRun ? 'planning' : 'running'} emergency ${request.requestId} for parameter ${request.target.secretId} in this process (stage ${stage})`);
        const report = await parameterEmergency(request, request.target.secretId, stage);
        printReport(out, report);
        if (!report.ok) process.exitCode = ExitCode.Failure;
        return;
      }
      out.progress(`${payload.dryRun ? 'planning' : 'running'} emergency ${payload.requestId} (${target.kind === 'local' ? `local AWS, stage ${stage}` : `stage ${stage}`})`);
      const report = await invokeEmergency(payload, { kind: target.kind, stage });
      printReport(out, report);
      if (!report.ok) process.exitCode = ExitCode.Failure;
    });
}

function requestPayload(options: EmergencyOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    reason: options.reason,
    requestedBy: options.requestedBy ?? defaultRequester(),
    requestId: options.requestId ?? crypto.randomUUID(),
    dryRun: Boolean(options.dryRun),
  };
  if (options.secret !== undefined) payload.secretId = options.secret;
  if (options.tenant !== undefined) payload.tenant = options.tenant;
  if (options.tag !== undefined) payload.tag = options.tag;
  if (options.reviewDays !== undefined) payload.accessReviewDays = wholeNumber('--review-days', options.reviewDays);
  if (options.timeout !== undefined) payload.rotationTimeoutSeconds = wholeNumber('--timeout', options.timeout);
  return payload;
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidRequestError(`${flag} takes a whole number, not "${value}"`);
  return n;
}

function defaultRequester(): string {
  return `${userInfo().username}@${hostname()}`;
}

function printReport(out: Output, report: EmergencyReport): void {
  const head = `${report.dryRun ? 'DRY RUN: ' : ''}emergency ${report.requestId} for ${report.target}: ${report.ok ? 'ok' : 'FAILED'}${report.replayed ? ' (this request ran before; its report)' : ''}`;
  out.result([head, ...report.secrets.flatMap(secretLines)], { ...report });
}

function secretLines(secret: SecretReport): string[] {
  const lines = [``, `${secret.ok ? 'ok    ' : 'FAILED'} ${secret.secret}`];
  for (const step of secret.steps) lines.push(`  ${step.step.padEnd(13)} ${step.outcome.padEnd(7)} ${String(step.durationMs).padStart(6)} ms  ${step.detail}`);
  const review = secret.accessReview;
  if (review) {
    lines.push(`  who read it since ${review.since.slice(0, 10)}${review.truncated ? ' (first records only)' : ''}:`);
    if (review.principals.length === 0) lines.push('    nobody');
    for (const p of review.principals) {
      lines.push(`    ${p.principal}  reads ${p.reads}, denied ${p.denied}, last ${p.lastAt}${p.sourceIps.length ? `, from ${p.sourceIps.join(' ')}` : ''}`);
    }
  }
  return lines;
}
