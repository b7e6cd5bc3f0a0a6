import { ECSClient } from '@aws-sdk/client-ecs';
import { baseConfig, cached, type Factory } from './client-cache';

/** The ECS client (the refresh function's new deployments). In a file of its own: only the refresh bundle needs it. */
export const ecs: Factory<ECSClient> = /* @__PURE__ */ cached('ecs', () => new ECSClient(baseConfig()));
