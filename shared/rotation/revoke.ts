import { createHash } from 'node:crypto';
import { RotationContractError, RotationRefusedError } from '../errors';
import { processLog } from '../log';
import { rememberSecret } from '../redact';
import { AWSCURRENT, AWSPENDING } from '../secrets-store';
import { createRotationContext } from './context';
import type { RotationDeps } from './contract';
import { resolveBoundStrategy } from './bound-strategy';
import type { RotationLedger } from './ledger';

/** What revoking did; names and ids only, safe to log and to put in a finding. */
export interface RevokeResult {
  secret: string;
  /** The emergency request that asked for this revocation. */
  requestId: string;
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
 * every client out. Safe to run twice. Only when the emergency function asked for it (a grant in
 * the rotation ledger for this secret and rotation): anyone else allowed to invoke the rotate
 * function could otherwise cut off the credential cached clients still use, at any time.
 *
 * @throws RotationRefusedError with rule `rotation.unauthorized-revoke` when there is no grant.
 */
export async function revokePrevious(secretId: string, token: string, deps: RotationDeps): Promise<RevokeResult> {
  const metadata = await deps.store.describe(secretId);
  const { requestId } = await requireRevokeGrant(deps.ledger, metadata.arn, metadata.name, token);
  const stages = metadata.versions[token] ?? [];
  const replacementVersionId = revocationVersionId(metadata.arn, token);
  if (!stages.includes(AWSCURRENT) && !metadata.versions[replacementVersionId]?.includes(AWSCURRENT)) {
    throw new RotationContractError(
      `cannot revoke for ${metadata.name}: version ${token} is not AWSCURRENT, so the rotation has not finished and the previous credential is still the one in use`,
    );
  }
  const unbound = createRotationContext(secretId, token, metadata, deps.store, deps.clock, deps.log ?? processLog);
  const { ctx, strategy } = await resolveBoundStrategy(unbound, deps, 'current');
  if (!strategy) throw new RotationContractError(`cannot revoke for ${metadata.name}: no strategy`);
  const outcome = await strategy.revoke(ctx);
  const base = { secret: metadata.name, requestId, strategy: strategy.name, revoked: outcome.revoked, detail: outcome.detail };
  if (outcome.replacementValue === undefined) return base;
  rememberSecret(outcome.replacementValue);
  // AWSPENDING still sits on the rotated version; once that version stops being AWSCURRENT the
  // label would read as a rotation in progress and block every later one.
  if (stages.includes(AWSPENDING)) await deps.store.moveStage(metadata.arn, AWSPENDING, { fromVersionId: token });
  await deps.store.putCurrentValue(metadata.arn, replacementVersionId, outcome.replacementValue);
  return { ...base, replacementVersionId };
}

/** The finding rule of a revocation the emergency function did not ask for. */
export const UNAUTHORIZED_REVOKE_RULE = 'rotation.unauthorized-revoke';

async function requireRevokeGrant(ledger: RotationLedger, arn: string, name: string, token: string): Promise<{ requestId: string }> {
  const grant = await ledger.revokeGrant(arn, token);
  if (grant) return grant;
  throw new RotationRefusedError(
    `refused to revoke the previous credential of secret ${name} for rotation ${token}: the emergency function did not ask for it (no live grant in the rotation ledger); revocation runs only from an emergency rotation (${UNAUTHORIZED_REVOKE_RULE})`,
    { rule: UNAUTHORIZED_REVOKE_RULE, field: 'Action' },
  );
}

/** A version id derived from the rotation it follows, so a retried revoke stores its value once. */
function revocationVersionId(arn: string, token: string): string {
  const hex = createHash('sha256').update(`revoke\u0000${arn}\u0000${token}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
