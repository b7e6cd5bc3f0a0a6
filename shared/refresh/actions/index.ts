import type { RefreshActions } from '../action';
import type { KubernetesApi } from '../kubernetes-api';
import { ecsNewDeployment } from './ecs-new-deployment';
import { esoForceSync, type EsoApiVersion } from './eso-force-sync';
import { k8sRolloutRestart } from './k8s-rollout-restart';
import { lambdaConfigVersion, type LambdaWait } from './lambda-config-version';
import type { EcsServices, LambdaConfigurations } from '../services';

/** What the actions talk to. */
export interface RefreshActionClients {
  kubernetes: KubernetesApi;
  esoApiVersion: EsoApiVersion;
  ecs: EcsServices;
  lambda: LambdaConfigurations;
  lambdaWait: LambdaWait;
}

/** The explicit registry of refresh actions (one file each), by the name a tag selects. */
export function refreshActions(clients: RefreshActionClients): RefreshActions {
  return {
    'eso-force-sync': esoForceSync(clients.kubernetes, clients.esoApiVersion),
    'k8s-rollout-restart': k8sRolloutRestart(clients.kubernetes),
    'ecs-new-deployment': ecsNewDeployment(clients.ecs),
    'lambda-config-version': lambdaConfigVersion(clients.lambda, clients.lambdaWait),
  };
}
