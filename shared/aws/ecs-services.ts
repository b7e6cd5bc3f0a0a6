import { UpdateServiceCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { EcsServices } from '../refresh/services';

/** {@link EcsServices} over the ECS client. */
export function ecsServices(ecs: ECSClient): EcsServices {
  return {
    async forceNewDeployment(cluster, service, signal) {
      const out = await ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }), { abortSignal: signal });
      return out.service?.deployments?.[0]?.id;
    },
  };
}
