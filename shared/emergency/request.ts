import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidRequestError } from '../errors';

/** How far back the access review looks unless the request says otherwise. */
export const DEFAULT_ACCESS_REVIEW_DAYS = 30;
/** How long to wait for one secret's rotation to finish unless the request says otherwise. */
export const DEFAULT_ROTATION_TIMEOUT_SECONDS = 300;

const tagSchema = z
  .string()
  .regex(/^[^=]+=.*$/, 'tag must be key=value, e.g. keywarden:strategy=api-key')
  .transform((raw) => ({ key: raw.slice(0, raw.indexOf('=')), value: raw.slice(raw.indexOf('=') + 1) }));

/**
 * What on-call asks for. Exactly one target (a secret, every secret of a tenant, or every secret
 * with a tag), a reason and who asks. Unknown fields are refused: a typo in `dryRun` must not
 * turn a rehearsal into a real rotation.
 */
export const emergencyRequestSchema = z
  .object({
    secretId: z.string().min(1).max(2048).optional(),
    tenant: z.string().min(1).max(256).optional(),
    tag: tagSchema.optional(),
    reason: z.string({ required_error: 'reason is required: say why (e.g. "key pasted in a public issue")' }).trim().min(3, 'reason must say why, in at least 3 characters').max(1000),
    requestedBy: z.string({ required_error: 'requestedBy is required: who asks for this rotation' }).trim().min(1).max(256),
    /** The same id twice runs once; the second gets the first's report. */
    requestId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'requestId: 1 to 128 of A-Z a-z 0-9 . _ : -').optional(),
    dryRun: z.boolean().default(false),
    accessReviewDays: z.number().int().min(1).max(365).default(DEFAULT_ACCESS_REVIEW_DAYS),
    rotationTimeoutSeconds: z.number().int().min(10).max(840).default(DEFAULT_ROTATION_TIMEOUT_SECONDS),
  })
  .strict()
  .superRefine((request, ctx) => {
    const targets = [request.secretId, request.tenant, request.tag].filter((t) => t !== undefined).length;
    if (targets !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give exactly one of secretId, tenant, tag', path: [] });
  });

/** Which secrets an emergency is for. */
export type EmergencyTarget = { kind: 'secret'; secretId: string } | { kind: 'tenant'; tenant: string } | { kind: 'tag'; key: string; value: string };

/** A checked emergency request. */
export interface EmergencyRequest {
  target: EmergencyTarget;
  reason: string;
  requestedBy: string;
  requestId: string;
  dryRun: boolean;
  accessReviewDays: number;
  rotationTimeoutSeconds: number;
}

/**
 * Checks a request from a manual invoke or the CLI.
 *
 * @throws InvalidRequestError listing every problem, so one correction is enough.
 */
export function parseEmergencyRequest(input: unknown): EmergencyRequest {
  const parsed = emergencyRequestSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === z.ZodIssueCode.unrecognized_keys) return `unknown field(s): ${issue.keys.join(', ')}`;
      return `${issue.path.join('.') || 'request'}: ${issue.message}`;
    });
    throw new InvalidRequestError(`emergency request refused: ${problems.join('; ')}`);
  }
  const { secretId, tenant, tag, ...rest } = parsed.data;
  const target: EmergencyTarget = secretId
    ? { kind: 'secret', secretId }
    : tenant
      ? { kind: 'tenant', tenant }
      : { kind: 'tag', key: tag!.key, value: tag!.value };
  return { ...rest, target, requestId: rest.requestId ?? randomUUID() };
}

/** The target in words, for reports and findings. */
export function describeTarget(target: EmergencyTarget): string {
  if (target.kind === 'secret') return `secret ${target.secretId}`;
  if (target.kind === 'tenant') return `every secret of tenant ${target.tenant}`;
  return `every secret tagged ${target.key}=${target.value}`;
}
