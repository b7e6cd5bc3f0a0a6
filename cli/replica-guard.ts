import { arnLocation } from '../shared/accounts';
import { describeReplication } from '../shared/aws/secrets-manager-replication';
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
  // Not found or not readable here: the rotation itself reports that, as before.
  const described = await describeReplication(secretId, elsewhere);
  if (!described) return;
  const region = (described.arn && arnLocation(described.arn)?.region) || elsewhere || home || '';
  if (!described.primaryRegion || described.primaryRegion === region) return;
  const primary = described.arn ? primaryArnOf(described.arn, region, described.primaryRegion) : `${described.name} in ${described.primaryRegion}`;
  throw new InvalidRequestError(
    `${described.name ?? secretId} in ${region} is a replica: it is rotated through its primary, never on its own. Rotate the primary instead: keywarden rotate ${primary} (with AWS_REGION=${described.primaryRegion})`,
  );
}
