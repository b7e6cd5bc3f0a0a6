import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { processLog, type LogSink } from '../log';
import { InvalidRequestError, RotationFailedError, SecretTestFailedError } from '../errors';
import { rememberSecret } from '../redact';
import type { SecretsStore } from '../secrets-store';
import { STRATEGY_TAG as PARAMETER_STRATEGY_TAG } from '../rotation/resolve-strategy';
import { generatedStrategies } from '../rotation/strategies';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../rotation/strategy';
import type { ParameterStore, ParameterVersion } from './parameter-store';
import { outOfScope, type ParameterScope } from './scope';

/**
 * Rotation of an SSM SecureString parameter with one of the generated strategies (password,
 * api-key, jwt-keyset, encryption-keyring), the same code that rotates a secret's value:
 *
 * 1. checks, before any write: the name is inside the configured prefixes, the parameter is a
 *    SecureString, its `keywarden:strategy` tag names a generated strategy (a database strategy
 *    needs a binding, which parameters do not have, so it is refused like any unknown name);
 * 2. builds the new value from the version labelled `current` (or the latest, the first time);
 * 3. writes it as a new version (PutParameter, Overwrite, the current version's KMS key);
 * 4. tests it by reading that version back and running the strategy's test;
 * 5. moves the labels: `previous` onto the old version, then `current` onto the new one.
 *
 * Every old version is kept (Parameter Store keeps 100). A failure after the write puts the old
 * value back as the newest version, so readers of the bare name and of `name:current` keep the
 * value that works. Running it again after any failure starts afresh: it never adopts a version
 * it did not write in the same run (anyone with ssm:PutParameter could have written one).
 */

/** The labels rotation keeps on a parameter's versions. */
export const CURRENT_LABEL = 'current';
export const PREVIOUS_LABEL = 'previous';

/** The parameter does not exist (or is not visible to the caller). */
export class ParameterNotFoundError extends InvalidRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterNotFoundError';
  }
}

/** What rotation needs. */
export interface ParameterRotationDeps {
  store: ParameterStore;
  scope: ParameterScope;
  clock: Clock;
  /** Where the strategies' warnings go; the process's logger when absent. */
  log?: LogSink;
}

/** What one rotation did (names, versions and the strategy; never a value). */
export interface ParameterRotationReport {
  name: string;
  strategy: string;
  ok: boolean;
  /** The version that was current before, and the one written (absent when the write failed). */
  fromVersion: number;
  toVersion?: number;
  /** The version that put the old value back after a failure, when one was written. */
  restoredVersion?: number;
  steps: Array<{ step: 'check' | 'create' | 'put' | 'test' | 'label' | 'restore'; ok: boolean; detail: string }>;
  error?: string;
}

/** A parameter checked and ready to rotate. */
export interface Checked {
  name: string;
  strategy: RotationStrategy;
  tags: Record<string, string>;
  current: ParameterVersion;
  previous?: ParameterVersion;
}

/**
 * Checks that `name` may be rotated and reads its versions; throws InvalidRequestError naming
 * what is wrong, before any write.
 */
export async function checkParameter(name: string, deps: ParameterRotationDeps, options: { untestedNewest?: 'refuse' | 'allow' } = {}): Promise<Checked> {
  const why = outOfScope(name, deps.scope);
  if (why) throw new InvalidRequestError(`refusing parameter ${clipName(name)}: ${why}`);
  const facts = await deps.store.describe(name);
  if (!facts) throw new ParameterNotFoundError(`no parameter ${name}`);
  if (facts.type !== 'SecureString') throw new InvalidRequestError(`refusing parameter ${name}: it is a ${facts.type}, and keywarden rotates SecureString parameters only`);
  const strategyName = facts.tags[PARAMETER_STRATEGY_TAG]?.trim();
  if (!strategyName) {
    throw new InvalidRequestError(`refusing parameter ${name}: tag it ${PARAMETER_STRATEGY_TAG}=<${Object.keys(generatedStrategies).join('|')}>`);
  }
  if (!Object.hasOwn(generatedStrategies, strategyName)) {
    throw new InvalidRequestError(
      `refusing parameter ${name}: ${PARAMETER_STRATEGY_TAG} "${strategyName.slice(0, 40)}" is not a generated strategy (${Object.keys(generatedStrategies).join(', ')}); database strategies need a binding, which parameters do not have`,
    );
  }
  const versions = await deps.store.history(name);
  const latest = versions.at(-1);
  if (!latest) throw new InvalidRequestError(`no parameter ${name}: it has no versions`);
  const current = versions.find((v) => v.labels.includes(CURRENT_LABEL)) ?? latest;
  // An emergency whose journal says a run died after its write allows it: its repair undoes it.
  if (options.untestedNewest !== 'allow') await refuseStaleCurrentLabel(name, current, latest, deps);
  const checked: Checked = { name, strategy: generatedStrategies[strategyName]!, tags: facts.tags, current };
  const previous = versions.find((v) => v.labels.includes(PREVIOUS_LABEL));
  if (previous) checked.previous = previous;
  return checked;
}

/**
 * Whoever may only label versions (ssm:LabelParameterVersion) could move `current` onto an old,
 * perhaps leaked, value for the rotation to build on. A `current` behind the newest version is
 * accepted only when both hold the same value: what a restore after a failed rotation leaves.
 */
async function refuseStaleCurrentLabel(name: string, current: ParameterVersion, latest: ParameterVersion, deps: ParameterRotationDeps): Promise<void> {
  if (current.version === latest.version) return;
  const [labelled, newest] = await Promise.all([deps.store.read(name, current.version), deps.store.read(name, latest.version)]);
  if (digest(labelled) === digest(newest)) return;
  throw new InvalidRequestError(
    `refusing parameter ${name}: its ${CURRENT_LABEL} label is on version ${current.version}, but version ${latest.version} is newer and holds another value; move the label (aws ssm label-parameter-version) to the version applications should use, then rotate`,
  );
}

/**
 * Told after each write that changes what a crash would leave behind: the new version written
 * (with the SHA-256 of its value), its test passed, both labels moved. An emergency writes these
 * to its journal (parameter-journal.ts); if the hook throws, the rotation fails like any step.
 */
export type ParameterProgress = (phase: 'written' | 'tested' | 'rotated', facts: { toVersion: number; digest: string }) => Promise<void>;

/** Rotates one parameter; never throws for a failed step (the report says), only for a refusal. */
export async function rotateParameter(name: string, deps: ParameterRotationDeps, progress?: ParameterProgress): Promise<ParameterRotationReport> {
  const checked = await checkParameter(name, deps);
  return rotateChecked(checked, deps, progress);
}

/** Rotates a parameter already checked (an emergency checks first, to journal what it saw). */
export function rotateCheckedParameter(checked: Checked, deps: ParameterRotationDeps, progress?: ParameterProgress): Promise<ParameterRotationReport> {
  return rotateChecked(checked, deps, progress);
}

async function rotateChecked(checked: Checked, deps: ParameterRotationDeps, progress: ParameterProgress = async () => {}): Promise<ParameterRotationReport> {
  const { store } = deps;
  const { name, strategy, current } = checked;
  const report: ParameterRotationReport = { name, strategy: strategy.name, ok: false, fromVersion: current.version, steps: [] };
  report.steps.push({ step: 'check', ok: true, detail: `SecureString, strategy ${strategy.name}, current version ${current.version}` });
  let pendingValue: string | undefined;
  const ctx = parameterContext(checked, deps, () => {
    if (pendingValue === undefined) throw new RotationFailedError(`parameter ${name}: no new value yet`);
    return Promise.resolve(pendingValue);
  });
  let written: number | undefined;
  let step: ParameterRotationReport['steps'][number]['step'] = 'create';
  try {
    const created = await strategy.create(ctx);
    rememberSecret(created);
    report.steps.push({ step, ok: true, detail: `new value built by ${strategy.name}` });
    step = 'put';
    written = await store.put(name, created, current.keyId);
    report.toVersion = written;
    const facts = { toVersion: written, digest: digest(created) };
    await progress('written', facts);
    report.steps.push({ step, ok: true, detail: `version ${written} written with ${current.keyId ?? 'the default key'}` });
    step = 'test';
    const readBack = await store.read(name, written);
    rememberSecret(readBack);
    if (digest(readBack) !== digest(created)) throw new SecretTestFailedError(`parameter ${name}: version ${written} does not hold the value written`);
    pendingValue = readBack;
    await strategy.test(ctx);
    await progress('tested', facts);
    report.steps.push({ step, ok: true, detail: `version ${written} read back and passed ${strategy.name}'s test` });
    step = 'label';
    await store.label(name, current.version, [PREVIOUS_LABEL]);
    await store.label(name, written, [CURRENT_LABEL]);
    await progress('rotated', facts);
    report.steps.push({ step, ok: true, detail: `${CURRENT_LABEL} on version ${written}, ${PREVIOUS_LABEL} on version ${current.version}` });
    report.ok = true;
  } catch (error) {
    report.error = describeError(error);
    report.steps.push({ step, ok: false, detail: report.error });
    if (written !== undefined) await restore(checked, deps, report);
  }
  return report;
}

/**
 * After a failure past the write: if `current` never moved, the newest version holds an untested
 * value, so the old one is written again as the newest; `current` stays where it was.
 */
async function restore(checked: Checked, deps: ParameterRotationDeps, report: ParameterRotationReport): Promise<void> {
  try {
    const versions = await deps.store.history(checked.name);
    const labelled = versions.find((v) => v.labels.includes(CURRENT_LABEL));
    if (labelled && labelled.version === report.toVersion) {
      report.steps.push({ step: 'restore', ok: true, detail: `${CURRENT_LABEL} already on version ${labelled.version}; nothing to restore` });
      return;
    }
    const old = await deps.store.read(checked.name, checked.current.version);
    rememberSecret(old);
    report.restoredVersion = await deps.store.put(checked.name, old, checked.current.keyId);
    report.steps.push({ step: 'restore', ok: true, detail: `the value of version ${checked.current.version} written again as version ${report.restoredVersion}; ${CURRENT_LABEL} unchanged` });
  } catch (error) {
    report.steps.push({ step: 'restore', ok: false, detail: describeError(error) });
  }
}

/** What an emergency revocation of a parameter did. */
export interface ParameterRevokeReport {
  name: string;
  ok: boolean;
  detail: string;
  /** A replacement written (a keyset without the leaked key), labelled current. */
  replacementVersion?: number;
}

/**
 * After an emergency rotation: the strategy's revoke (a keyset or keyring drops the leaked key,
 * as a new current version), then the `previous` label comes off the leaked version, so nobody
 * reading `name:previous` gets it. The version itself stays in the history (Parameter Store
 * deletes versions only with the parameter); anyone with ssm:GetParameterHistory and kms:Decrypt
 * can still read it.
 */
export async function revokePreviousParameter(name: string, deps: ParameterRotationDeps, expected: { previousVersion?: number } = {}): Promise<ParameterRevokeReport> {
  const checked = await checkParameter(name, deps);
  const { previous } = checked;
  if (!previous) return { name, ok: true, detail: `parameter ${name} has no version labelled ${PREVIOUS_LABEL}: nothing to revoke` };
  // The label is re-read here: whoever can label versions may have moved it since the rotation.
  if (expected.previousVersion !== undefined && previous.version !== expected.previousVersion) {
    return { name, ok: false, detail: `parameter ${name}: the ${PREVIOUS_LABEL} label is on version ${previous.version}, not on version ${expected.previousVersion} that the rotation replaced; nothing revoked` };
  }
  let outcome: RevokeOutcome;
  try {
    outcome = await checked.strategy.revoke(parameterContext(checked, deps, () => Promise.reject(new RotationFailedError('no pending value during a revocation'))));
  } catch (error) {
    return { name, ok: false, detail: describeError(error) };
  }
  const report: ParameterRevokeReport = { name, ok: true, detail: outcome.detail };
  try {
    if (outcome.replacementValue !== undefined) {
      rememberSecret(outcome.replacementValue);
      const version = await deps.store.put(name, outcome.replacementValue, checked.current.keyId);
      await deps.store.label(name, version, [CURRENT_LABEL]);
      report.replacementVersion = version;
    }
    await deps.store.unlabel(name, previous.version, [PREVIOUS_LABEL]);
    report.detail = `${outcome.detail}; ${PREVIOUS_LABEL} label taken off version ${previous.version} (the version stays in the history)`;
  } catch (error) {
    report.ok = false;
    report.detail = `${outcome.detail}; then ${describeError(error)}`;
  }
  return report;
}

/** The strategies' view of one parameter rotation: current, pending and previous by version. */
function parameterContext(checked: Checked, deps: ParameterRotationDeps, pending: () => Promise<string>): RotationContext {
  const { name, current, previous } = checked;
  const read = (version: number) =>
    deps.store.read(name, version).then((value) => {
      rememberSecret(value);
      return value;
    });
  let currentRead: Promise<string> | undefined;
  const currentValue = () => (currentRead ??= read(current.version));
  return {
    secretId: name,
    arn: name,
    name,
    token: `parameter-version-after-${current.version}`,
    tags: checked.tags,
    clock: deps.clock,
    log: deps.log ?? processLog,
    store: noSecretsStore,
    currentVersionId: String(current.version),
    current: currentValue,
    currentVersion: async () => ({ versionId: String(current.version), value: await currentValue() }),
    pending,
    previous: async () => (previous ? read(previous.version) : undefined),
  };
}

/** Generated strategies never read another secret; a parameter has no Secrets Manager store to offer. */
const noSecretsStore = new Proxy({} as SecretsStore, {
  get: () => () => Promise.reject(new InvalidRequestError('a parameter rotation reads no other secret')),
});

/** Hex SHA-256 of a value: compares values without keeping them. */
export function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Names in refusals are shown whole up to 200 characters (a parameter name may be 2,048). */
function clipName(name: string): string {
  return name.length <= 200 ? name : `${name.slice(0, 200)}… (${name.length} characters)`;
}
