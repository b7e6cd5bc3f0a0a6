import { createHash } from 'node:crypto';
import { RotationContractError } from '../errors';
import { rememberSecret } from '../redact';
import { AWSCURRENT, AWSPENDING } from '../secrets-store';
import { createRotationContext } from './context';
import type { RotationDeps } from './contract';
import { resolveBoundStrategy } from './bound-strategy';

/** What revoking did; names and ids only, safe to log and to put in a finding. */
export interface RevokeResult {
  secret: string;
  strategy: string;
  revoked: boolean;
  detail: string;
  /** The version that now holds AWSCURRENT when revoking rewrote the secret (a key set). */
  replacementVersionId?: string;
}

/**
 * Makes the credential that `token`'s rotation replaced useless now, through the secret's
 * strategy: at the target (a database drops the old password and ends its sessions) or in the
 * secret itself (a key set loses the leaked key, stored as a new AWSCURRENT version). Only after
 * the rotation has finished: revoking while the old credential is still current would lock
 * every client out. Safe to run twice.
 */
export async function revokePrevious(secretId: string, token: string, deps: RotationDeps): Promise<RevokeResult> {
  const metadata = await deps.store.describe(secretId);
  const stages = metadata.versions[token] ?? [];
  const replacementVersionId = revocationVersionId(metadata.arn, token);
  if (!stages.includes(AWSCURRENT) && !metadata.versions[replacementVersionId]?.includes(AWSCURRENT)) {
    throw new RotationContractError(
      `cannot revoke for ${metadata.name}: version ${token} is not AWSCURRENT, so the rotation has not finished and the previous credential is still the one in use`,
    );
  }
  const unbound = createRotationContext(secretId, token, metadata, deps.store, deps.clock);
  const { ctx, strategy } = await resolveBoundStrategy(unbound, deps, 'current');
  if (!strategy) throw new RotationContractError(`cannot revoke for ${metadata.name}: no strategy`);
  const outcome = await strategy.revoke(ctx);
  const base = { secret: metadata.name, strategy: strategy.name, revoked: outcome.revoked, detail: outcome.detail };
  if (outcome.replacementValue === undefined) return base;
  rememberSecret(outcome.replacementValue);
  // AWSPENDING still sits on the rotated version; once that version stops being AWSCURRENT the
  // label would read as a rotation in progress and block every later one.
  if (stages.includes(AWSPENDING)) await deps.store.moveStage(metadata.arn, AWSPENDING, { fromVersionId: token });
  await deps.store.putCurrentValue(metadata.arn, replacementVersionId, outcome.replacementValue);
  return { ...base, replacementVersionId };
}

/** A version id derived from the rotation it follows, so a retried revoke stores its value once. */
function revocationVersionId(arn: string, token: string): string {
  const hex = createHash('sha256').update(`revoke\u0000${arn}\u0000${token}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
