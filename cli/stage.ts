import { InvalidRequestError } from '../shared/errors';
import { readState } from './local/server';

/**
 * Which stage a command acts on, decided here for every command, so `keywarden emergency` and
 * `keywarden audit` never pick different stacks from the same shell:
 *
 * 1. `--stage <stage>`;
 * 2. `KEYWARDEN_STAGE` (an on-call engineer sets it once per shell or profile);
 * 3. against the local AWS (`--local`, `AWS_ENDPOINT_URL`, or a `local` command), the stage
 *    `keywarden local up` created there, else `local`;
 * 4. {@link DEFAULT_STAGE}, serverless.yml's own default, so a CLI given no stage looks at the
 *    stack `npx serverless deploy` deploys when given none.
 */
export const DEFAULT_STAGE = 'dev';

/** The local AWS's stage when `keywarden local up` is given none (step 3). */
export const DEFAULT_LOCAL_STAGE = 'local';

/** Where the command acts: only whether it is the local AWS matters here. */
export type StageTarget = { kind: 'aws' | 'local' };

/** The `--stage` help text every command shows. */
export const STAGE_OPTION_HELP = `the stage (default: $KEYWARDEN_STAGE, else the local AWS's own stage with --local, else ${DEFAULT_STAGE})`;

/** The stage from `--stage`, the environment, the local AWS or the default, in that order. */
export function resolveStage(option: string | undefined, target: StageTarget, env: NodeJS.ProcessEnv = process.env, localStage: () => string | undefined = () => readState()?.stage): string {
  if (option?.trim()) dropResourceVariables(env);
  const given = option?.trim() || env.KEYWARDEN_STAGE?.trim();
  if (given) return given;
  return target.kind === 'local' ? localStage() || DEFAULT_LOCAL_STAGE : DEFAULT_STAGE;
}

/**
 * The stage of a command that changes a stage's resources or answers for them (`emergency`,
 * `bind`): the same rule, except that against AWS it is never guessed. With neither `--stage` nor
 * `KEYWARDEN_STAGE`, it refuses: an emergency run against `dev` by default would rotate the real
 * credential while its journal, review and pages went to another stage.
 */
export function resolveActingStage(option: string | undefined, target: StageTarget, env: NodeJS.ProcessEnv = process.env, localStage?: () => string | undefined): string {
  if (target.kind === 'aws' && !option?.trim() && !env.KEYWARDEN_STAGE?.trim()) {
    throw new InvalidRequestError('which stage? this command changes a stage\'s resources: pass --stage <stage> or set KEYWARDEN_STAGE (against AWS it has no default)');
  }
  return resolveStage(option, target, env, localStage);
}

/** Variables that name one resource of a stage (a table, the bus, a queue, a topic). */
const RESOURCE_VARIABLE = /^KEYWARDEN_[A-Z0-9_]*(TABLE|BUS|QUEUE_URL|TOPIC_ARN)$/;

/**
 * An explicit `--stage` wins over resource names a shell still holds from another stage
 * (`KEYWARDEN_AUDIT_TABLE`, `KEYWARDEN_FINDINGS_BUS`...): they are dropped from `env`, so every
 * name follows the stage given.
 */
function dropResourceVariables(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env)) if (RESOURCE_VARIABLE.test(name)) delete env[name];
}
