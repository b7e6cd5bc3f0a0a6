import type { RefreshAction } from '../action';
import type { KubernetesApi } from '../kubernetes-api';

/**
 * What `kubectl rollout restart deployment/<name>` does: a patch of the pod template's
 * `kubectl.kubernetes.io/restartedAt` annotation, which changes the template and so rolls every
 * pod. kubectl sends it as a strategic merge patch; for a map of annotations a JSON merge patch
 * (which the API server accepts for every resource) says the same, and keeps one patch type for
 * all of keywarden's calls. The value is the version's creation time from the secret (RFC 3339, as kubectl writes
 * it), so a redelivered or replayed event does not restart the pods twice. Tested only against the stand-in.
 */
export function k8sRolloutRestart(api: KubernetesApi): RefreshAction<{ action: 'k8s-rollout-restart'; namespace: string; name: string }> {
  return {
    name: 'k8s-rollout-restart',
    async run(target, ctx) {
      const path = `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}/deployments/${encodeURIComponent(target.name)}`;
      const restartedAt = new Date(ctx.rotatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await api.mergePatch(path, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } }, ctx.signal);
      return `restarted deployment ${target.namespace}/${target.name} (restartedAt ${restartedAt})`;
    },
  };
}
