import type { Clock } from '../clock';
import type { StepInvoker } from '../rotation/driver';
import { UNTRUSTED_PENDING_RULE } from '../rotation/pending-guard';
import type { SecretMetadata, SecretsStore } from '../secrets-store';
import { rotationFailureOf } from '../staleness/assess';
import type { SecretInventory, SecretSummary } from '../staleness/inventory';
import { repairStuckRotation, stuckPendingVersion } from './repair';

/** What the doctor looks for. */
export type ProblemKind = 'stuck-rotation' | 'rotation-without-function' | 'rotation-failing' | 'parameter-emergency-unfinished';

/** One problem with one secret, and what to do about it. */
export interface Problem {
  kind: ProblemKind;
  secret: string;
  arn: string;
  detail: string;
  /** The fix `--fix` applies, when there is a safe one; otherwise what a person should do. */
  remedy: string;
  fixable: boolean;
  /** The account and region the secret lives in, when known. */
  account?: string;
  region?: string;
}

/**
 * Whether a secret's rotation function (undefined when none is set) exists; undefined when that
 * cannot be known, as locally, where the driver plays the service and no function is registered.
 */
export type FunctionCheck = (functionArn: string | undefined) => Promise<boolean | undefined>;

/**
 * Reads the whole inventory and lists rotation problems: a stuck rotation (AWSPENDING on a version
 * that is not AWSCURRENT, which blocks every later rotation), rotation turned on without a
 * working function, and scheduled rotations that keep failing (overdue).
 */
export async function diagnose(inventory: SecretInventory, functionExists: FunctionCheck, clock: Clock): Promise<Problem[]> {
  const problems: Problem[] = [];
  for await (const page of inventory.pages()) {
    for (const secret of page) problems.push(...(await problemsOf(secret, functionExists, clock.now())));
  }
  return problems;
}

async function problemsOf(secret: SecretSummary, functionExists: FunctionCheck, now: Date): Promise<Problem[]> {
  const found: Problem[] = [];
  const base = { secret: secret.name, arn: secret.arn, ...(secret.accountId && { account: secret.accountId }), ...(secret.region && { region: secret.region }) };
  const stuck = stuckPendingVersion({ arn: secret.arn, name: secret.name, rotationEnabled: secret.rotationEnabled, versions: secret.versions, tags: secret.tags });
  if (stuck) {
    found.push({ ...base, kind: 'stuck-rotation', fixable: true, detail: `version ${stuck} is AWSPENDING but not AWSCURRENT`, remedy: `finish the rotation of ${stuck} through the rotate function, or remove its AWSPENDING label if it cannot be finished` });
  }
  if (secret.rotationEnabled) {
    const works = await functionExists(secret.rotationLambdaArn);
    if (works === false) {
      const detail = secret.rotationLambdaArn ? `rotation function ${secret.rotationLambdaArn} does not exist or cannot be read` : 'rotation is on but no rotation function is set';
      found.push({ ...base, kind: 'rotation-without-function', fixable: false, detail, remedy: 'set the rotate function (stack output RotateFunctionArn) with `aws secretsmanager rotate-secret --rotation-lambda-arn ...`, or turn rotation off' });
    }
  }
  const failing = stuck ? undefined : rotationFailureOf(secret, now);
  if (failing) {
    found.push({ ...base, kind: 'rotation-failing', fixable: false, detail: failing, remedy: `read the rotate function's logs, fix the cause, then \`keywarden rotate ${secret.name}\`` });
  }
  return found;
}

/** Repairs one parameter's unfinished emergency, as `keywarden emergency --repair` does. */
export type ParameterRepairer = (name: string) => Promise<{ fixed: boolean; result: string }>;

/** The rotate function that can finish a secret's stuck rotation; undefined when it has none. */
export type InvokerFor = (metadata: SecretMetadata) => StepInvoker | undefined;

/** A problem after `--fix`: whether it is fixed, what was done, and the finding it raises, if any. */
export type FixedProblem = Problem & {
  fixed: boolean;
  result: string;
  /** `rotation.untrusted-pending` when the stuck version held a value keywarden did not create. */
  ruleId?: typeof UNTRUSTED_PENDING_RULE;
};

/**
 * Applies the safe fixes (stuck rotations: finished through the secret's rotate function when
 * `invokerFor` names one, discarded otherwise; unfinished parameter emergencies: repaired by
 * `repairParameter`); returns what was done. A stuck version the rotate function refuses as
 * untrusted is discarded unexecuted and carries the finding's rule id.
 */
export async function fixProblems(problems: readonly Problem[], store: SecretsStore, invokerFor?: InvokerFor, repairParameter?: ParameterRepairer): Promise<FixedProblem[]> {
  const out: FixedProblem[] = [];
  for (const problem of problems) {
    if (!problem.fixable || (problem.kind === 'parameter-emergency-unfinished' && !repairParameter)) {
      out.push({ ...problem, fixed: false, result: 'needs a person: ' + problem.remedy });
      continue;
    }
    if (problem.kind === 'parameter-emergency-unfinished') {
      out.push({ ...problem, ...(await repairParameter!(problem.secret)) });
      continue;
    }
    const metadata = await store.describe(problem.arn);
    const repaired = await repairStuckRotation(store, metadata, invokerFor?.(metadata));
    const fixed = { ...problem, fixed: !repaired || repaired.resumed || repaired.discarded, result: repaired?.detail ?? 'already repaired' };
    out.push(repaired?.untrusted ? { ...fixed, ruleId: UNTRUSTED_PENDING_RULE } : fixed);
  }
  return out;
}
