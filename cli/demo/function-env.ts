import type { ResourceValues } from '../local/resolve';
import { localContext, resolveValue } from '../local/resolve';
import { loadPackagedTemplate } from '../local/template';
import { resourceNames } from '../../shared/resource-names';

/**
 * The environment each function gets in AWS (provider and function variables from the packaged
 * template, with table, queue and topic references resolved against the local AWS), applied to
 * this process so the built bundles invoked in it see what they would see in Lambda.
 */
export function applyFunctionEnvironments(stage: string, values: Record<string, ResourceValues>, functions: readonly string[]): void {
  const { template } = loadPackagedTemplate();
  const ctx = { ...localContext(resourceNames(stage).stack), resources: values };
  for (const name of functions) {
    const logicalId = `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
    const variables = (template.Resources[logicalId]?.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables;
    if (variables) Object.assign(process.env, resolveValue(variables, ctx) as Record<string, string>);
  }
}
