import { describe, expect, it } from 'vitest';
import { checkAllowList, refusalOf, type RefreshAllowList } from '../../../shared/refresh/allow-list';
import { isNamespace, isObjectName, refreshTargetsOf } from '../../../shared/refresh/target';

const list: RefreshAllowList = {
  ecsServices: ['apps/{tenant}-', 'shared/billing-'],
  lambdaPrefixes: ['team-{tenant}-'],
  k8sNamespaces: ['payments', '{tenant}'],
  ownFunctionPrefix: 'keywarden-',
};

describe('refresh targets from tags', () => {
  it('reads every action\'s tag, several targets separated by spaces (a tag value cannot hold a comma)', () => {
    const { targets, problems } = refreshTargetsOf({
      'keywarden:refresh-eso': 'payments/billing-db',
      'keywarden:refresh-deployments': 'payments/api  tenant-1/worker.v2',
      'keywarden:refresh-ecs': 'apps/tenant-1-api',
      'keywarden:refresh-lambda': 'tenant-1-worker',
      'keywarden:strategy': 'password',
    });
    expect(problems).toEqual([]);
    expect(targets).toEqual([
      { action: 'eso-force-sync', namespace: 'payments', name: 'billing-db' },
      { action: 'k8s-rollout-restart', namespace: 'payments', name: 'api' },
      { action: 'k8s-rollout-restart', namespace: 'tenant-1', name: 'worker.v2' },
      { action: 'ecs-new-deployment', cluster: 'apps', service: 'tenant-1-api' },
      { action: 'lambda-config-version', functionName: 'tenant-1-worker' },
    ]);
  });

  it('names the same target once', () => {
    expect(refreshTargetsOf({ 'keywarden:refresh-lambda': 'fn fn fn' }).targets).toHaveLength(1);
  });

  it.each([
    ['payments/../secrets', false],
    ['payments/.', false],
    ['payments/a..b', false],
    ['payments/-api', false],
    ['payments/api-', false],
    ['payments/Api', false],
    ['payments/api%2fx', false],
    ['payments/api\u0000', false],
    [`payments/${'a'.repeat(254)}`, false],
    [`${'n'.repeat(64)}/api`, false],
    ['pay.ments/api', false],
    ['payments/api.v2', true],
  ])('attack: %j as a deployment is a valid Kubernetes name only when it is one (%s)', (value, valid) => {
    const { targets, problems } = refreshTargetsOf({ 'keywarden:refresh-deployments': value });
    expect(targets.length === 1).toBe(valid);
    expect(problems.length === 1).toBe(!valid);
  });

  it('checks DNS-1123 labels and subdomains as the API server does', () => {
    expect(isNamespace('kube-system')).toBe(true);
    expect(isNamespace('a.b')).toBe(false);
    expect(isObjectName('a.b-c')).toBe(true);
    expect(isObjectName('a_b')).toBe(false);
  });

  it('attack: a refused value is shown on one line and bounded in the problem', () => {
    const { problems } = refreshTargetsOf({ 'keywarden:refresh-lambda': `evil\u202e\u001b[31m${'x'.repeat(500)}` });
    expect(problems[0]!.value.includes('\u202e') || problems[0]!.value.includes('\u001b')).toBe(false);
    expect(problems[0]!.value.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['arn:aws:lambda:us-east-1:999999999999:function:x'],
    ['tenant-1-fn:prod'],
    ['tenant-1-fn/2'],
  ])('attack: %s is not a bare Lambda function name', (value) => {
    expect(refreshTargetsOf({ 'keywarden:refresh-lambda': value }).targets).toEqual([]);
  });
});

describe('the refresh allow-list', () => {
  it('fills {tenant} with the secret\'s tenant', () => {
    expect(refusalOf({ action: 'ecs-new-deployment', cluster: 'apps', service: 'tenant-1-api' }, list, 'tenant-1')).toBeUndefined();
    expect(refusalOf({ action: 'ecs-new-deployment', cluster: 'apps', service: 'tenant-2-api' }, list, 'tenant-1')).toMatch(/no allowed/);
    expect(refusalOf({ action: 'k8s-rollout-restart', namespace: 'tenant-1', name: 'x' }, list, 'tenant-1')).toBeUndefined();
    expect(refusalOf({ action: 'k8s-rollout-restart', namespace: 'tenant-2', name: 'x' }, list, 'tenant-1')).toMatch(/no allowed/);
  });

  it('attack: a secret of no tenant matches no {tenant} entry (never the literal text)', () => {
    expect(refusalOf({ action: 'lambda-config-version', functionName: 'team-{tenant}-x' }, list, undefined)).toMatch(/no allowed/);
    expect(refusalOf({ action: 'lambda-config-version', functionName: 'team-undefined-x' }, list, undefined)).toMatch(/no allowed/);
    expect(refusalOf({ action: 'ecs-new-deployment', cluster: 'shared', service: 'billing-api' }, list, undefined)).toBeUndefined();
  });

  it('attack: the cluster must match exactly, not by prefix', () => {
    expect(refusalOf({ action: 'ecs-new-deployment', cluster: 'apps-prod', service: 'tenant-1-api' }, list, 'tenant-1')).toMatch(/no allowed/);
  });

  it('attack: keywarden\'s own functions are refused whatever the prefixes say', () => {
    expect(refusalOf({ action: 'lambda-config-version', functionName: 'keywarden-prod-rotate' }, { ...list, lambdaPrefixes: ['keywarden-'] }, 'tenant-1')).toMatch(/own functions/);
  });

  it('refuses a configuration entry that is not a name or prefix', () => {
    expect(() => checkAllowList({ ...list, lambdaPrefixes: ['*'] })).toThrow(/KEYWARDEN_REFRESH_LAMBDA_PREFIXES/);
    expect(() => checkAllowList({ ...list, lambdaPrefixes: ['{tenant}-'] })).toThrow(/starts with a literal/);
    expect(() => checkAllowList({ ...list, ecsServices: ['apps'] })).toThrow(/KEYWARDEN_REFRESH_ECS_SERVICES/);
    expect(() => checkAllowList({ ...list, k8sNamespaces: ['Kube System'] })).toThrow(/KEYWARDEN_REFRESH_K8S_NAMESPACES/);
    expect(checkAllowList(list)).toBe(list);
  });
});
