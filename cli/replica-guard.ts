import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { arnLocation } from '../shared/accounts';
import { baseConfig } from '../shared/aws/client-cache';
import { secretsManager } from '../shared/aws/clients';
import { InvalidRequestError } from '../shared/errors';
import { primaryArnOf } from '../shared/staleness/scopes';

/**
 * A replica secret is rotated through its primary, never on its own: Secrets Manager copies each
 * new version of the primary to its replicas, and a rotation started on a replica would fail or
 * diverge. `keywarden rotate` (and emergency) refuse one with the primary to use instead.
 *
 * A secret named by an ARN of another region is described in that region, so a replica ARN is
 * recognised whichever region the CLI runs in.
 */
export async function refuseReplica(secretId: string): Promise<void> {
  const home = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const location = arnLocation(secretId);
  const elsewhere = location && location.region && location.region !== home ? location.region : undefined;
  const client = elsewhere ? new SecretsManagerClient({ ...baseConfig(), region: elsewhere }) : secretsManager();
  let described;
  try {
    described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch {
    // Not found or not readable here: the rotation itself reports that, as before.
    return;
  } finally {
    if (elsewhere) client.destroy();
  }
  const region = (described.ARN && arnLocation(described.ARN)?.region) || elsewhere || home || '';
  if (!described.PrimaryRegion || described.PrimaryRegion === region) return;
  const primary = described.ARN ? primaryArnOf(described.ARN, region, described.PrimaryRegion) : `${described.Name} in ${described.PrimaryRegion}`;
  throw new InvalidRequestError(
    `${described.Name ?? secretId} in ${region} is a replica: it is rotated through its primary, never on its own. Rotate the primary instead: keywarden rotate ${primary} (with AWS_REGION=${described.PrimaryRegion})`,
  );
}
