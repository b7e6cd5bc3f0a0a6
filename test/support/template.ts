import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CloudFormation template `serverless package` wrote; `npm test` packages before running. */
export const TEMPLATE_PATH = join(import.meta.dirname, '..', '..', '.serverless', 'cloudformation-template-update-stack.json');

/** One resource of the template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Reads the packaged template; a clear message when `serverless package` has not run. */
export function readPackagedTemplate(path = TEMPLATE_PATH): { Resources: Record<string, TemplateResource> } {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run package\` (npm test does it first)`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Every IAM policy statement in the template, with where it stands. */
export function iamStatements(resources: Record<string, TemplateResource>): Array<{ where: string; statement: Record<string, unknown> }> {
  const out: Array<{ where: string; statement: Record<string, unknown> }> = [];
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const documents: Array<[string, unknown]> = [];
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []) {
        documents.push([`${id}/${policy.PolicyName}`, policy.PolicyDocument]);
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push([id, props.PolicyDocument]);
    }
    for (const [where, document] of documents) {
      const statements = (document as { Statement?: unknown }).Statement;
      for (const statement of [statements].flat() as Array<Record<string, unknown>>) out.push({ where, statement });
    }
  }
  return out;
}
