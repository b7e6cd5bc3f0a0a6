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
  const given = option?.trim() || env.KEYWARDEN_STAGE?.trim();
  if (given) return given;
  return target.kind === 'local' ? localStage() || DEFAULT_LOCAL_STAGE : DEFAULT_STAGE;
}
