import type { RefreshAction } from '../action';
import type { KubernetesApi } from '../kubernetes-api';

/** The ExternalSecret API versions keywarden can address (v1beta1 until External Secrets Operator 0.16; v1 from 0.17). */
export const ESO_API_VERSIONS = ['v1beta1', 'v1'] as const;
export type EsoApiVersion = (typeof ESO_API_VERSIONS)[number];

/**
 * External Secrets Operator force-sync: sets the `force-sync` annotation on the ExternalSecret,
 * which makes the operator read the secret again at once instead of at its refreshInterval (the
 * operator re-syncs whenever the object's annotations change). A JSON merge patch, the one patch
 * type the API server accepts for a custom resource besides JSON patch. The value is the
 * version's creation time (from the secret), so a redelivered event patches the same value and the operator does nothing
 * twice. Tested only against the stand-in in test/support/kubernetes-standin.ts.
 */
export function esoForceSync(api: KubernetesApi, apiVersion: EsoApiVersion): RefreshAction<{ action: 'eso-force-sync'; namespace: string; name: string }> {
  return {
    name: 'eso-force-sync',
    async run(target, ctx) {
      const path = `/apis/external-secrets.io/${apiVersion}/namespaces/${encodeURIComponent(target.namespace)}/externalsecrets/${encodeURIComponent(target.name)}`;
      await api.mergePatch(path, { metadata: { annotations: { 'force-sync': ctx.rotatedAt } } }, ctx.signal);
      return `annotated ExternalSecret ${target.namespace}/${target.name} force-sync=${ctx.rotatedAt}`;
    },
  };
}
