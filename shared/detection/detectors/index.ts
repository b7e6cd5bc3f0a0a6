import type { Detector } from '../detector';
import { awsCurrentMoved } from './awscurrent-moved';
import { batchRetrieval } from './batch-retrieval';
import { crossTenantRead } from './cross-tenant-read';
import { decoyTouched } from './decoy-touched';
import { deniedReadBurst } from './denied-read-burst';
import { firstRead } from './first-read';
import { outsideNetworkRead } from './outside-network-read';
import { pendingDeletionRead } from './pending-deletion-read';
import { previousVersionRead } from './previous-version-read';
import { protectionRemoved } from './protection-removed';
import { readRateAnomaly } from './read-rate-anomaly';
import { resourcePolicyOpened } from './resource-policy-opened';
import { rootOrConsoleRead } from './root-or-console-read';
import { rotationDisabled } from './rotation-disabled';
import { rotationFailed } from './rotation-failed';
import { secretDeletion } from './secret-deletion';
import { secretHarvesting } from './secret-harvesting';
import { enumerationSweep } from './enumeration-sweep';
import { firstBatchRead } from './first-batch-read';
import { kmsKeyChanged } from './kms-key-changed';
import { newNetworkClient } from './new-network-client';
import { offensiveTool } from './offensive-tool';
import { rotationHijack } from './rotation-hijack';
import { valueWritten } from './value-written';

/**
 * Every detector, by name: the explicit registry (never a directory scan, so the bundler sees
 * each one). A finding's ruleId is `audit.<name>`; KEYWARDEN_DISABLED_DETECTORS takes names.
 */
export const detectorsByName: Readonly<Record<string, Detector>> = {
  'secret-harvesting': secretHarvesting,
  'batch-retrieval': batchRetrieval,
  'denied-read-burst': deniedReadBurst,
  'cross-tenant-read': crossTenantRead,
  'first-read': firstRead,
  'previous-version-read': previousVersionRead,
  'resource-policy-opened': resourcePolicyOpened,
  'secret-deletion': secretDeletion,
  'rotation-disabled': rotationDisabled,
  'protection-removed': protectionRemoved,
  'awscurrent-moved': awsCurrentMoved,
  'rotation-failed': rotationFailed,
  'pending-deletion-read': pendingDeletionRead,
  'outside-network-read': outsideNetworkRead,
  'root-or-console-read': rootOrConsoleRead,
  'decoy-touched': decoyTouched,
  'read-rate-anomaly': readRateAnomaly,
  'value-written': valueWritten,
  'rotation-hijack': rotationHijack,
  'kms-key-changed': kmsKeyChanged,
  'enumeration-sweep': enumerationSweep,
  'offensive-tool': offensiveTool,
  'first-batch-read': firstBatchRead,
  'new-network-client': newNetworkClient,
};

/** The registry as a list, in a stable order. */
export const detectors: readonly Detector[] = Object.values(detectorsByName);
