import { secretTenant, type TenancyConfig } from '../tenancy';
import { InvalidRequestError } from '../errors';
import type { SecretsStore } from '../secrets-store';
import type { SecretInventory } from '../staleness/inventory';
import { describeTarget, type EmergencyTarget } from './request';

/** A secret an emergency acts on. */
export interface TargetSecret {
  arn: string;
  name: string;
}

/**
 * The secrets a target names. A named secret must exist; a tenant or tag must match at least
 * one secret, else the request is refused: an emergency that silently does nothing is worse
 * than one that says why.
 */
export async function resolveTargets(
  target: EmergencyTarget,
  deps: { store: SecretsStore; inventory: SecretInventory; tenancy: TenancyConfig },
): Promise<TargetSecret[]> {
  if (target.kind === 'secret') return [await namedSecret(target.secretId, deps.store)];
  const matches = (name: string, tags: Record<string, string>) =>
    target.kind === 'tenant' ? secretTenant(name, deps.tenancy) === target.tenant : tags[target.key] === target.value;
  const found: TargetSecret[] = [];
  for await (const page of deps.inventory.pages()) {
    for (const secret of page) if (matches(secret.name, secret.tags)) found.push({ arn: secret.arn, name: secret.name });
  }
  if (found.length === 0) throw new InvalidRequestError(`${describeTarget(target)}: no such secret exists`);
  return found;
}

async function namedSecret(secretId: string, store: SecretsStore): Promise<TargetSecret> {
  try {
    const metadata = await store.describe(secretId);
    if (metadata.deletedDate) throw new InvalidRequestError(`secret ${metadata.name} is scheduled for deletion; restore it first`);
    return { arn: metadata.arn, name: metadata.name };
  } catch (error) {
    if ((error as { code?: string }).code === 'ResourceNotFoundException') {
      throw new InvalidRequestError(`secret ${secretId} does not exist`, { cause: error });
    }
    throw error;
  }
}
