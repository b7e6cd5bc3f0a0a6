/**
 * The Kubernetes API server as the refresh actions need it: one JSON merge patch (RFC 7386) of
 * an object at a path. shared/refresh/kubernetes-https.ts implements it over HTTPS with the
 * server, token and CA from configuration; nothing about where it goes comes from a tag.
 */
export interface KubernetesApi {
  /** PATCH `path` with `body` as `application/merge-patch+json`; throws KubernetesApiError on any non-2xx, or when `signal` aborts first. */
  mergePatch(path: string, body: unknown, signal?: AbortSignal): Promise<void>;
}
