import { ConfigError } from '../errors';
import type { RefreshTarget } from './target';

/**
 * What an administrator lets secrets' tags refresh. A tag is writable by anyone with
 * secretsmanager:TagResource, so a target outside this list is refused (a finding) however the tag
 * names it. `{tenant}` in an entry stands for the tenant that owns the secret (from its name), so
 * `payments-{tenant}-` lets `app/tenant-1/db` refresh `payments-tenant-1-api` and never
 * `payments-tenant-2-api`; an entry with `{tenant}` allows nothing for a secret of no tenant.
 * Empty lists allow nothing: each action is off until configured.
 */
export interface RefreshAllowList {
  /** `<cluster>/<service-name prefix>` entries; `<cluster>/` is every service of the cluster. */
  ecsServices: string[];
  /** Lambda function-name prefixes, each starting with literal text (an empty or `{tenant}`-first prefix would be nearly every function). */
  lambdaPrefixes: string[];
  /** Kubernetes namespaces, exactly. */
  k8sNamespaces: string[];
  /** keywarden's own functions (`keywarden-`, every stage) are never a target, whatever the prefixes say. */
  ownFunctionPrefix: string;
}

const TENANT = '{tenant}';

/** Checks the configured entries; throws a ConfigError naming the first bad one. */
export function checkAllowList(list: RefreshAllowList): RefreshAllowList {
  for (const entry of list.ecsServices) {
    if (!/^[A-Za-z0-9_{}-]+\/[A-Za-z0-9_{}-]*$/.test(entry)) throw new ConfigError(`KEYWARDEN_REFRESH_ECS_SERVICES: "${entry}" is not <cluster>/<service prefix>`);
  }
  for (const entry of list.lambdaPrefixes) {
    // A literal start before any {tenant}: IAM sees `{tenant}` as `*`, and `*-` is nearly every function.
    if (!/^[A-Za-z0-9_-]+[A-Za-z0-9_{}-]*$/.test(entry)) throw new ConfigError(`KEYWARDEN_REFRESH_LAMBDA_PREFIXES: "${entry}" is not a function-name prefix that starts with a literal`);
  }
  for (const entry of list.k8sNamespaces) {
    if (!/^[a-z0-9{}-]+$/.test(entry)) throw new ConfigError(`KEYWARDEN_REFRESH_K8S_NAMESPACES: "${entry}" is not a namespace`);
  }
  return list;
}

/** Why `target` is outside the allow-list for a secret of `tenant`, or undefined when it is inside. */
export function refusalOf(target: RefreshTarget, list: RefreshAllowList, tenant: string | undefined): string | undefined {
  const entries = (configured: string[]) => configured.flatMap((entry) => withTenant(entry, tenant));
  switch (target.action) {
    case 'lambda-config-version': {
      if (target.functionName.startsWith(list.ownFunctionPrefix)) return 'is one of keywarden\'s own functions';
      return entries(list.lambdaPrefixes).some((prefix) => target.functionName.startsWith(prefix)) ? undefined : 'matches no allowed Lambda function-name prefix';
    }
    case 'ecs-new-deployment':
      return entries(list.ecsServices).some((entry) => {
        const [cluster, prefix] = entry.split('/') as [string, string];
        return target.cluster === cluster && target.service.startsWith(prefix);
      })
        ? undefined
        : 'matches no allowed ECS cluster/service prefix';
    default:
      return entries(list.k8sNamespaces).includes(target.namespace) ? undefined : 'is in no allowed Kubernetes namespace';
  }
}

/** The entry with `{tenant}` filled in; none when it needs a tenant and the secret has none. */
function withTenant(entry: string, tenant: string | undefined): string[] {
  if (!entry.includes(TENANT)) return [entry];
  return tenant === undefined ? [] : [entry.split(TENANT).join(tenant)];
}
