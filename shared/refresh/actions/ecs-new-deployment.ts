import type { RefreshAction } from '../action';
import type { EcsServices } from '../services';

/**
 * ECS `UpdateService` with `forceNewDeployment`: the service starts new tasks from the same task
 * definition, which read the secret again at start (ECS injects `secrets` only when a task
 * starts), and drains the old ones. Cluster and service are names, so the call stays in this
 * account and region; the role may update only the allow-listed services (deploy/refresh.yml).
 * ECS has no idempotency key: every call is a deployment, so the refresh records (not this call)
 * make a replayed event deploy nothing.
 */
export function ecsNewDeployment(ecs: EcsServices): RefreshAction<{ action: 'ecs-new-deployment'; cluster: string; service: string }> {
  return {
    name: 'ecs-new-deployment',
    async run(target, ctx) {
      const deployment = await ecs.forceNewDeployment(target.cluster, target.service, ctx.callSignal());
      return `new deployment of ECS service ${target.cluster}/${target.service}${deployment ? ` (${deployment})` : ''}`;
    },
  };
}
