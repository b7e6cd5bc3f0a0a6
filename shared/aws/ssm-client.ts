import { SSMClient } from '@aws-sdk/client-ssm';
import { baseConfig, cached, type Factory } from './client-cache';

/** The SSM client (Parameter Store), in a file of its own so bundles that never list parameters never load it. */
export const ssm: Factory<SSMClient> = /* @__PURE__ */ cached('ssm', () => new SSMClient(baseConfig()));
