import type { Command } from 'commander';
import { dynamoDb, lambda, secretsManager } from '../../shared/aws/clients';
import { DynamoDbParameterJournal } from '../../shared/aws/dynamodb-parameter-journal';
import { functionExists } from '../../shared/aws/lambda-functions';
import { LambdaRotateFunction } from '../../shared/aws/lambda-rotate-function';
import { arnLocation, scopeLabel } from '../../shared/accounts';
import { stalenessAccounts } from '../../shared/aws/staleness-accounts';
import type { UnreachableScope } from '../../shared/staleness/findings';
import { inventoryOf, type SecretSummary } from '../../shared/staleness/inventory';
import { foldReplicas, listScopes } from '../../shared/staleness/scopes';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { systemClock } from '../../shared/clock';
import { diagnose, fixProblems, type FixedProblem, type FunctionCheck, type InvokerFor, type ParameterRepairer, type Problem } from '../../shared/emergency/doctor';
import { unfinishedParameterProblems } from '../../shared/ssm/parameter-doctor';
import { emergencyTableName } from '../../shared/emergency/settings';
import { invokeBundle, requireBundle } from '../bundles';
import { ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget, type Target } from '../target';
import { parameterRepair } from './emergency-parameter';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

/**
 * `keywarden doctor [--fix]`: finds stuck rotations, rotation turned on without a working
 * function, rotations that keep failing, and parameter emergencies that died part-way (the
 * stage's emergency table's journal); `--fix` repairs what is safe to repair (stuck rotations:
 * finished through the rotate function, or discarded when they cannot be finished; a parameter
 * emergency: finished or undone from its journal, as `keywarden emergency --repair` does) and
 * says what needs a person.
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('find (and with --fix repair) stuck or failing rotations')
    .option(
      '--fix',
      "repair stuck rotations: finish each through the secret's rotation function (locally the built rotate bundle), or remove its AWSPENDING label if it cannot be finished; finish or undo each parameter emergency that died part-way, as `keywarden emergency --repair` does",
    )
    .option('--stage <stage>', `${STAGE_OPTION_HELP}; its emergency table holds the parameter emergencies' journal`)
    .option('--local', 'use the running local AWS (keywarden local up)')
    .addHelpText('after', '\nExit codes: 0 healthy (or everything fixed), 1 problems remain, 2 bad usage.')
    .action(async (options: { fix?: boolean; local?: boolean; stage?: string }, command: Command) => {
      const out = outputFor(command);
      const target = await resolveTarget(options);
      const stage = resolveStage(options.stage, target);
      out.progress('reading the inventory');
      const inventory = await readAccounts();
      // Locally the driver plays the service and no rotation function is registered with the secret.
      // A function in another account or region cannot be read with our credentials: unknown, not missing.
      const check: FunctionCheck = target.kind === 'local' ? async () => undefined : (arn) => (isHomeArn(arn, inventory.home) ? functionExists(arn) : Promise.resolve(undefined));
      const all = await diagnose(inventoryOf(inventory.secrets), check, systemClock);
      const journal = await readParameterJournal(stage);
      const problems = [...all.map((p) => (isHome(p, inventory.home) ? p : elsewhere(p))), ...journal.problems];
      for (const { scope, failure } of inventory.unreachable) {
        out.result(`UNREACHABLE ${scopeLabel(scope)}: ${failure.step} failed (${failure.code}); its secrets were not examined`, { unreachable: true, account: scope.accountId || null, region: scope.region, step: failure.step, code: failure.code });
      }
      if (journal.unreachable) {
        out.result(`UNREACHABLE emergency table ${journal.unreachable.table}: ${journal.unreachable.code}; unfinished parameter emergencies were not examined`, { unreachable: true, table: journal.unreachable.table, code: journal.unreachable.code });
      }
      const partial = inventory.unreachable.length > 0 || journal.unreachable !== undefined;
      if (!options.fix) {
        report(out, problems);
        if (partial) process.exitCode = ExitCode.Failure;
        return;
      }
      const fixed = await fixProblems(problems, new SecretsManagerStore(secretsManager()), rotateFunctionFor(target), repairParameterOf(stage));
      out.result(
        fixed.length === 0 ? 'no rotation problems found' : fixed.map((p) => `${p.fixed ? 'fixed ' : 'left  '} ${p.kind.padEnd(25)} ${p.secret}${where(p)}: ${p.result}${untrustedNote(p)}`),
        { problems: fixed },
      );
      if (fixed.some((p) => !p.fixed) || partial) process.exitCode = ExitCode.Failure;
    });
}

/** The parameter emergencies the stage's emergency table holds open; the table's name and error when it cannot be read. */
async function readParameterJournal(stage: string): Promise<{ problems: Problem[]; unreachable?: { table: string; code: string } }> {
  const table = process.env.KEYWARDEN_EMERGENCY_TABLE ?? emergencyTableName(stage);
  try {
    return { problems: unfinishedParameterProblems(await new DynamoDbParameterJournal(dynamoDb(), table).unfinished()) };
  } catch (error) {
    return { problems: [], unreachable: { table, code: error instanceof Error ? error.name : 'UnknownError' } };
  }
}

/** `keywarden emergency --repair --secret <name>`'s repair, with a request id of its own. */
function repairParameterOf(stage: string): ParameterRepairer {
  return async (name) => {
    const report = await parameterRepair(name, stage, crypto.randomUUID());
    const step = report.secrets[0]?.steps[0];
    return { fixed: report.ok, result: step ? `${step.step} ${step.outcome}: ${step.detail}` : 'nothing reported' };
  };
}

interface DoctorInventory {
  secrets: SecretSummary[];
  unreachable: UnreachableScope[];
  home: { accountId?: string; region: string };
}

/** Every configured account and region (KEYWARDEN_ACCOUNTS; the home one alone without it), replicas left out: they are repaired through their primary. */
async function readAccounts(): Promise<DoctorInventory> {
  const homeAccountId = process.env.KEYWARDEN_HOME_ACCOUNT_ID;
  const accounts = stalenessAccounts({ parameters: false, homeAccountId });
  try {
    const listings = await listScopes(accounts.scopes, accounts.sourceFor, { concurrency: accounts.concurrency });
    return {
      secrets: foldReplicas(listings.flatMap((l) => l.secrets)).secrets,
      unreachable: listings.filter((l) => l.error).map((l) => ({ scope: l.scope, failure: l.error! })),
      home: { accountId: homeAccountId ?? accounts.scopes.find((s) => !s.roleArn)?.accountId, region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '' },
    };
  } finally {
    accounts.clients.destroy();
  }
}

function isHome(problem: Problem, home: DoctorInventory['home']): boolean {
  return (!problem.region || problem.region === home.region) && (!problem.account || !home.accountId || problem.account === home.accountId);
}

function isHomeArn(arn: string | undefined, home: DoctorInventory['home']): boolean {
  const location = arn ? arnLocation(arn) : undefined;
  return !location || isHome({ account: location.accountId, region: location.region } as Problem, home);
}

/** keywarden's session in another account or region only reads: the repair runs there. */
function elsewhere(problem: Problem): Problem {
  if (!problem.fixable) return problem;
  return { ...problem, fixable: false, remedy: `${problem.remedy}: run \`keywarden doctor --fix\` with credentials of account ${problem.account ?? '?'} in ${problem.region ?? '?'} (this run only reads there)` };
}

/** ` (account/region)` after a secret's name, when several accounts or regions are configured (KEYWARDEN_ACCOUNTS). */
function where(problem: Problem): string {
  if (!process.env.KEYWARDEN_ACCOUNTS?.trim()) return '';
  return problem.account || problem.region ? ` (${problem.account ?? '?'}/${problem.region ?? '?'})` : '';
}

/** A pending value keywarden did not create is a security finding, not just a repair. */
function untrustedNote(problem: FixedProblem): string {
  if (!problem.ruleId) return '';
  return `\n${' '.repeat(33)}FINDING ${problem.ruleId}: someone stored this pending value outside keywarden; find who in the audit trail (PutSecretValue, UpdateSecretVersionStage)`;
}

function report(out: Output, problems: Problem[]): void {
  out.result(
    problems.length === 0
      ? 'no rotation problems found'
      : problems.map((p) => `${p.kind.padEnd(25)} ${p.secret}${where(p)}: ${p.detail}\n${' '.repeat(26)}${p.fixable ? '--fix will ' : 'to do: '}${p.remedy}`),
    { problems },
  );
  if (problems.length > 0) process.exitCode = ExitCode.Failure;
}

/**
 * What finishes a stuck rotation: locally the built rotate bundle, as `keywarden rotate --local`
 * runs it; in AWS the function the secret names as its rotation function.
 */
function rotateFunctionFor(target: Target): InvokerFor {
  if (target.kind === 'local') {
    return () => {
      // Without the bundle every step would fail, and the repair would discard the very version
      // that may be the only one that logs in: refuse instead.
      requireBundle('rotate');
      return async (event) => {
        await invokeBundle('rotate', event);
      };
    };
  }
  return (metadata) => {
    if (!metadata.rotationLambdaArn) return undefined;
    const rotateFunction = new LambdaRotateFunction(lambda(), metadata.rotationLambdaArn);
    return (event) => rotateFunction.invokeStep(event);
  };
}
