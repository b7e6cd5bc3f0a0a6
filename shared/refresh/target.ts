import { singleLine } from '../display-text';

/**
 * Which consumers to refresh after a secret rotates, as the secret's tags name them. Tags are
 * attacker text (anyone with secretsmanager:TagResource writes them), so every name is checked
 * here against the syntax of the service it goes to before it reaches a URL path or an API call;
 * whether the name may be touched at all is the allow-list's question (allow-list.ts).
 *
 * Secrets Manager tag values allow only letters, digits, spaces and `_ . : / = + - @`, so several
 * targets in one tag are separated by spaces (a comma cannot be stored).
 */

/** The tag keys, one per action. */
export const REFRESH_TAGS = {
  'eso-force-sync': 'keywarden:refresh-eso',
  'k8s-rollout-restart': 'keywarden:refresh-deployments',
  'ecs-new-deployment': 'keywarden:refresh-ecs',
  'lambda-config-version': 'keywarden:refresh-lambda',
} as const;

/** The refresh actions, by name. */
export type RefreshActionName = keyof typeof REFRESH_TAGS;

/** One consumer to refresh. */
export type RefreshTarget =
  | { action: 'eso-force-sync'; namespace: string; name: string }
  | { action: 'k8s-rollout-restart'; namespace: string; name: string }
  | { action: 'ecs-new-deployment'; cluster: string; service: string }
  | { action: 'lambda-config-version'; functionName: string };

/** A tag value keywarden will not act on, and why; `value` is bounded and single-line. */
export interface TagProblem {
  tag: string;
  value: string;
  reason: string;
}

/** A Kubernetes namespace: an RFC 1123 label (DNS-1123), at most 63 characters. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Kubernetes object name: an RFC 1123 subdomain, at most 253 characters. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An ECS cluster or service name (letters, digits, hyphens, underscores; at most 255). */
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** A Lambda function's bare name: no ARN, so no other account or region; no qualifier. */
const LAMBDA_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A tag naming more targets than this is refused whole (a restart storm is not a refresh). */
export const MAX_TARGETS_PER_TAG = 10;

/** True for a namespace the Kubernetes API server would accept (DNS-1123 label). */
export function isNamespace(text: string): boolean {
  return text.length <= 63 && DNS1123_LABEL.test(text);
}

/** True for an object name the Kubernetes API server would accept (DNS-1123 subdomain). */
export function isObjectName(text: string): boolean {
  return text.length <= 253 && DNS1123_SUBDOMAIN.test(text);
}

/** Every target the secret's tags name, and every tag value refused on syntax. */
export function refreshTargetsOf(tags: Readonly<Record<string, string>>): { targets: RefreshTarget[]; problems: TagProblem[] } {
  const targets: RefreshTarget[] = [];
  const problems: TagProblem[] = [];
  for (const [action, tag] of Object.entries(REFRESH_TAGS) as Array<[RefreshActionName, string]>) {
    const raw = tags[tag];
    if (raw === undefined) continue;
    const items = raw.split(/\s+/).filter(Boolean);
    if (items.length === 0) continue;
    if (items.length > MAX_TARGETS_PER_TAG) {
      problems.push({ tag, value: shown(raw), reason: `names ${items.length} targets; at most ${MAX_TARGETS_PER_TAG}` });
      continue;
    }
    for (const item of new Set(items)) {
      const parsed = parseItem(action, item);
      if (typeof parsed === 'string') problems.push({ tag, value: shown(item), reason: parsed });
      else targets.push(parsed);
    }
  }
  return { targets, problems };
}

/** A target, or why the item is not one. */
function parseItem(action: RefreshActionName, item: string): RefreshTarget | string {
  if (action === 'lambda-config-version') {
    return LAMBDA_NAME.test(item) ? { action, functionName: item } : 'not a Lambda function name (letters, digits, - and _, at most 64; no ARN, no qualifier)';
  }
  const parts = item.split('/');
  if (parts.length !== 2) return 'must be <namespace>/<name> (or <cluster>/<service>), one slash';
  const [first, second] = parts as [string, string];
  if (action === 'ecs-new-deployment') {
    return ECS_NAME.test(first) && ECS_NAME.test(second) ? { action, cluster: first, service: second } : 'not an ECS cluster/service name pair (letters, digits, - and _)';
  }
  if (!isNamespace(first)) return 'the namespace is not a DNS-1123 label (lowercase letters, digits and -, at most 63)';
  if (!isObjectName(second)) return 'the name is not a DNS-1123 subdomain (lowercase letters, digits, - and ., at most 253)';
  return { action, namespace: first, name: second };
}

/** How a target is named in logs and findings: `payments/api`, `prod/billing`, `billing-worker`. */
export function targetLabel(target: RefreshTarget): string {
  switch (target.action) {
    case 'lambda-config-version':
      return target.functionName;
    case 'ecs-new-deployment':
      return `${target.cluster}/${target.service}`;
    default:
      return `${target.namespace}/${target.name}`;
  }
}

/** Attacker text as evidence: one line, at most 200 characters. */
function shown(text: string): string {
  return singleLine(text).slice(0, 200);
}
