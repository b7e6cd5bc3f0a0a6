import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { baseConfig, cached, type Factory } from './client-cache';

/** The EventBridge client. Import it from `./clients`. */
export const eventBridge: Factory<EventBridgeClient> = /* @__PURE__ */ cached('eventBridge', () => new EventBridgeClient(baseConfig()));
