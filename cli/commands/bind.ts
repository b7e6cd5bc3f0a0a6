import type { Command } from 'commander';
import { dynamoDb, secretsManager } from '../../shared/aws/clients';
import { DynamoDbBindingStore } from '../../shared/aws/dynamodb-binding-store';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { InvalidRequestError, SecretsStoreError } from '../../shared/errors';
import type { DatabaseBinding, RotationBinding } from '../../shared/rotation/binding';
import { iamAccessKeyBindingFromFlags } from '../../shared/rotation/binding-iam-access-key';
import { bindingFromCurrent, bindingFromFlags, customBindingFromFlagsChecked, describeBinding } from '../../shared/rotation/binding-proposal';
import { parseDbSecret } from '../../shared/rotation/db/secret';
import { bindingsTableFromEnv } from '../../shared/rotation/settings';
import { AWSCURRENT } from '../../shared/secrets-store';
import { CliExit, ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget, type Target } from '../target';
import { resolveActingStage, STAGE_OPTION_HELP } from '../stage';

interface BindOptions {
  engine?: string;
  customFunction?: string;
  shape?: string;
  host?: string;
  port?: number;
  dbname?: string;
  user?: string;
  alternating?: boolean;
  master?: string;
  plaintext?: boolean;
  fromCurrent?: boolean;
  iamUser?: string;
  assumeRole?: string;
  externalId?: string;
  deleteUnusedAfterDays?: number;
  yes?: boolean;
  list?: boolean;
  remove?: boolean;
  local?: boolean;
  stage?: string;
}

/**
 * `keywarden bind`: an administrator records, for a database or Redis secret, the server,
 * database, users and master secret its rotation may touch (the binding, see
 * docs/rotation-databases.md). Runs with the operator's credentials: the rotate function may only
 * read the table. Names are resolved to full ARNs, so a secret deleted and re-created under the
 * same name is not covered by the old binding.
 */
export function registerBindCommand(program: Command): void {
  program
    .command('bind [secret]')
    .description("record which server, database, users and master a database or Redis secret's rotation may touch, or which IAM user's keys an access key secret holds")
    .option('--engine <engine>', 'postgres, mysql, mariadb or redis')
    .option('--custom-function <arn>', 'a custom secret: the Lambda function (full ARN) that sets, tests and revokes it (docs/custom-rotator.md)')
    .option('--shape <shape>', 'with --custom-function: the value keywarden generates, password (default), api-key, jwt-keyset or encryption-keyring')
    .option('--host <host>', 'the server')
    .option('--port <port>', "the port (default: the engine's)", parsePort)
    .option('--dbname <name>', 'the database (PostgreSQL default: postgres; MySQL: none)')
    .option('--user <user>', 'the user whose password rotates (Redis: the ACL user)')
    .option('--alternating', 'alternating users: <user> and <user>_clone (needs --master)')
    .option('--master <secret>', 'the only master secret this secret may use (name or ARN)')
    .option('--plaintext', 'allow a connection without TLS (a loopback test server only)')
    .option('--iam-user <user>', 'an IAM access key secret (strategy iam-access-key): the IAM user whose keys it holds')
    .option('--assume-role <role-arn>', 'with --iam-user: the role keywarden assumes to manage the keys (a user in another account)')
    .option('--external-id <id>', "with --assume-role: the ExternalId the role's trust policy asks for")
    .option('--delete-unused-after-days <days>', 'with --iam-user: delete a deactivated previous key only after this many days unused (default 7)', parseDays)
    .option('--from-current', "propose the binding from the secret's current value, as keywarden rotated it before bindings")
    .option('--yes', 'with --from-current: write the proposed binding')
    .option('--list', 'list every binding')
    .option('--remove', "remove the secret's binding (its rotation is then refused)")
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--stage <stage>', `whose bindings table (KEYWARDEN_BINDINGS_TABLE wins unless --stage is given): ${STAGE_OPTION_HELP}`)
    .addHelpText(
      'after',
      '\nExit codes: 0 done (or proposed), 1 an AWS call failed, 2 bad usage or a binding that cannot be, 3 no such secret or binding.\n\n' +
        'Examples:\n  keywarden bind merchants/m-17/aws --iam-user m17-uploader --assume-role arn:aws:iam::210987654321:role/keywarden-rotator/key-rotator\n  keywarden bind app/shared/rabbitmq-orders --custom-function arn:aws:lambda:eu-west-1:111122223333:function:keywarden-prod-rotator-rabbitmq --user orders --alternating\n  keywarden bind app/tenant-1/orders-db --engine postgres --host db.internal --dbname orders --user t1_orders --alternating --master app/shared/pg-admin\n' +
        '  keywarden bind app/tenant-1/orders-db --from-current        # shows what it would write\n  keywarden bind app/tenant-1/orders-db --from-current --yes\n  keywarden bind --list',
    )
    .action(async (secret: string | undefined, options: BindOptions, command: Command) => {
      const out = outputFor(command);
      const action = chosenAction(secret, options);
      const target = await resolveTarget(options);
      const table = tableFor(target, options.stage);
      const registry = new DynamoDbBindingStore(dynamoDb(), table);
      if (action === 'list') return listBindings(out, await registry.list(), table);
      const store = new SecretsManagerStore(secretsManager());
      const described = await describeOrExit(store, secret!);
      if (action === 'remove') {
        if (!(await registry.remove(described.arn))) throw new CliExit(ExitCode.NotFound, `secret ${described.name} has no binding in ${table}`);
        out.result(`removed the binding of ${described.name} (${described.arn}); its rotation is refused until it is bound again`, { secretArn: described.arn, removed: true });
        return;
      }
      const masterArn = options.master === undefined ? undefined : (await describeOrExit(store, options.master)).arn;
      if (action === 'iam-user') {
        const { iamUser, assumeRole, externalId, deleteUnusedAfterDays } = options;
        const binding = iamAccessKeyBindingFromFlags(described.arn, { iamUser: iamUser!, assumeRole, externalId, deleteUnusedAfterDays });
        await registry.put(binding);
        return printBinding(out, 'bound', described.name, binding);
      }
      if (action === 'custom') {
        const binding = customBindingFromFlagsChecked(described.arn, {
          functionArn: options.customFunction!,
          ...(options.shape !== undefined && { shape: options.shape }),
          ...(options.user !== undefined && { user: options.user }),
          ...(options.alternating !== undefined && { alternating: options.alternating }),
        });
        await registry.put(binding);
        return printBinding(out, 'bound', described.name, binding);
      }
      if (action === 'flags') {
        const { engine, host, user, port, dbname, alternating, plaintext } = options;
        const binding = bindingFromFlags(described.arn, { engine: engine!, host: host!, user: user!, port, dbname, alternating, plaintext, masterArn });
        await registry.put(binding);
        return printBinding(out, 'bound', described.name, binding);
      }
      const binding = await proposeFromCurrent(store, described, options, masterArn);
      if (!options.yes) {
        printBinding(out, 'would bind', described.name, binding);
        out.progress('nothing written: check the binding above, then run the same command with --yes to write it');
        return;
      }
      await registry.put(binding);
      printBinding(out, 'bound', described.name, binding);
    });
}

type Action = 'list' | 'remove' | 'flags' | 'custom' | 'from-current' | 'iam-user';

function chosenAction(secret: string | undefined, options: BindOptions): Action {
  const identity = ['engine', 'host', 'port', 'dbname', 'user', 'alternating'].filter((key) => options[key as keyof BindOptions] !== undefined);
  const byFlags = options.customFunction !== undefined ? 'custom' : identity.length > 0 && 'flags';
  const iam = options.iamUser !== undefined && 'iam-user';
  const chosen = [options.list && 'list', options.remove && 'remove', options.fromCurrent && 'from-current', byFlags, iam].filter(Boolean) as Action[];
  if (chosen.length !== 1) {
    throw new InvalidRequestError('say one thing: --list, <secret> --remove, <secret> --from-current, <secret> --engine ... --host ... --user ..., <secret> --custom-function ... --user ..., or <secret> --iam-user ...');
  }
  if (iam && (options.master !== undefined || options.plaintext)) throw new InvalidRequestError('--iam-user takes --assume-role, --external-id and --delete-unused-after-days, not --master or --plaintext');
  const iamOnly = ['assumeRole', 'externalId', 'deleteUnusedAfterDays'].filter((key) => options[key as keyof BindOptions] !== undefined);
  if (iamOnly.length > 0 && !iam) throw new InvalidRequestError(`${iamOnly.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} go with --iam-user`);
  const [action] = chosen as [Action];
  if (action === 'list') {
    if (secret !== undefined) throw new InvalidRequestError('--list takes no secret');
    return action;
  }
  if (secret === undefined) throw new InvalidRequestError(`which secret? keywarden bind <secret> ${action === 'flags' ? '--engine ...' : `--${action}`}`);
  if (options.yes && action !== 'from-current') throw new InvalidRequestError('--yes goes with --from-current');
  if (action === 'custom') {
    const extra = ['engine', 'host', 'port', 'dbname'].filter((key) => options[key as keyof BindOptions] !== undefined);
    if (extra.length > 0 || options.master !== undefined || options.plaintext) {
      throw new InvalidRequestError('--custom-function takes --shape, --user and --alternating only: the function reaches its service itself');
    }
    const password = (options.shape ?? 'password') === 'password';
    if (password && options.user === undefined) throw new InvalidRequestError('binding a custom password secret needs --user (the user at the service whose password rotates)');
    if (!password && (options.user !== undefined || options.alternating)) throw new InvalidRequestError(`--shape ${options.shape} has no user: --user and --alternating are for passwords`);
  }
  if (options.shape !== undefined && action !== 'custom') throw new InvalidRequestError('--shape goes with --custom-function');
  if (action === 'flags') {
    const missing = ['engine', 'host', 'user'].filter((key) => options[key as keyof BindOptions] === undefined);
    if (missing.length > 0) throw new InvalidRequestError(`binding by flags needs ${missing.map((key) => `--${key}`).join(', ')}`);
  }
  return action;
}

/** The secret's current value is read with the operator's credentials; no value is printed. */
async function proposeFromCurrent(store: SecretsManagerStore, described: { arn: string; name: string; tags: Record<string, string> }, options: BindOptions, masterArn: string | undefined): Promise<DatabaseBinding> {
  const current = await store.getValue(described.arn, { stage: AWSCURRENT });
  if (!current) throw new CliExit(ExitCode.NotFound, `secret ${described.name} has no AWSCURRENT value to propose a binding from`);
  const named = masterArn ?? (await masterNamedBy(store, described.name, current.value));
  return bindingFromCurrent(described, current.value, { masterArn: named, plaintext: options.plaintext });
}

/**
 * The full ARN of the master the value names in `masterarn`, if any. The value is read as strictly
 * as bindingFromCurrent reads it (a duplicated field is refused there), so nothing is looked up
 * for a value it will refuse.
 */
async function masterNamedBy(store: SecretsManagerStore, secretName: string, value: string): Promise<string | undefined> {
  let masterarn: string | undefined;
  try {
    masterarn = parseDbSecret(value, { secretName, label: 'current' }).masterarn;
  } catch {
    return undefined;
  }
  if (!masterarn) return undefined;
  return (await describeOrExit(store, masterarn, 'its master secret (field "masterarn")')).arn;
}

async function describeOrExit(store: SecretsManagerStore, secretId: string, what = 'secret'): Promise<{ arn: string; name: string; tags: Record<string, string> }> {
  try {
    const metadata = await store.describe(secretId);
    return { arn: metadata.arn, name: metadata.name, tags: metadata.tags };
  } catch (error) {
    if (error instanceof SecretsStoreError && error.code === 'ResourceNotFoundException') throw new CliExit(ExitCode.NotFound, `no ${what} ${secretId.slice(0, 200)}`);
    throw error;
  }
}

function printBinding(out: Output, verb: string, name: string, binding: RotationBinding): void {
  out.result(`${verb} ${name} (${binding.secretArn}): ${describeBinding(binding)}`, { secret: name, ...binding, written: verb === 'bound' });
}

function listBindings(out: Output, bindings: RotationBinding[], table: string): void {
  if (bindings.length === 0) out.progress(`no bindings in ${table}`);
  for (const binding of bindings) out.result(`${binding.secretArn}: ${describeBinding(binding)}`, { ...binding });
}

/** The table of --stage; else KEYWARDEN_BINDINGS_TABLE; else the table of the stage cli/stage.ts chooses. */
function tableFor(target: Target, stage: string | undefined): string {
  // Resolved first: an explicit --stage drops KEYWARDEN_BINDINGS_TABLE from process.env (cli/stage.ts).
  const resolved = resolveActingStage(stage, target);
  return bindingsTableFromEnv({ ...process.env, KEYWARDEN_STAGE: resolved });
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0 || days > 365) throw new InvalidRequestError(`--delete-unused-after-days takes a whole number of days from 0 to 365, not "${value.slice(0, 20)}"`);
  return days;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidRequestError(`--port takes a TCP port (1-65535), not "${value.slice(0, 20)}"`);
  return port;
}
