import type { Finding } from '../finding';
import { dedupKeyOf } from '../finding-event';
import type { RotationRefusedError } from '../errors';
import { redact } from '../redact';
import { secretNameOfArn } from './binding';
import { isSecretArn } from './binding-record';
import type { RefusedRequest } from './refusal';
import { DEFAULT_REFUSAL_RUNBOOK, REFUSAL_RUNBOOKS } from './refusal-runbooks';

const MAX_DETAIL = 500;

/**
 * The finding for a refusal: rule = the error's rule, severity high, the secret by name and ARN,
 * evidence with the step and the field (never a value: the message names fields only, and is
 * redacted and bounded again here).
 */
export function refusalFinding(error: RotationRefusedError, request: RefusedRequest, observedAt: Date, secret = secretOf(request.secretId)): Finding {
  const rule = /^rotation\.[a-z0-9-]+$/.test(error.rule) ? error.rule : 'rotation.refused';
  return {
    id: `${rule}:${request.secretId}:${request.token}:${request.action}`.slice(0, 200),
    ruleId: rule,
    title: `Rotation refused (${rule.slice('rotation.'.length)}${error.field ? `, ${error.field}` : ''}) for ${secret.name ?? secret.arn}`.slice(0, 300),
    severity: 'high',
    status: 'open',
    source: 'rotation',
    secret,
    evidence: {
      step: request.action,
      ...(error.field !== undefined && { field: error.field }),
      versionId: request.token,
      // The account the secret lives in (its ARN's), so a refusal in a member account says which.
      ...(secret.arn !== undefined && { account: secret.arn.split(':')[4] }),
      detail: redact(error.message).slice(0, MAX_DETAIL),
    },
    ...(accountOfArn(secret.arn) !== undefined && { account: accountOfArn(secret.arn) }),
    dedupKey: dedupKeyOf(rule, secret.arn ?? secret.name, error.field),
    runbook: REFUSAL_RUNBOOKS[rule] ?? DEFAULT_REFUSAL_RUNBOOK,
    observedAt: observedAt.toISOString(),
  };
}

/** The secret's name and ARN from a SecretId (Secrets Manager sends the ARN); only the name from a name. */
export function secretOf(secretId: string): { name?: string; arn?: string } {
  return isSecretArn(secretId) ? { name: secretNameOfArn(secretId), arn: secretId } : { name: secretId.slice(0, 512) };
}

/** The 12-digit account of a secret's ARN, for the finding's `account` field. */
function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
