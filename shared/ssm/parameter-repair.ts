import { rememberSecret } from '../redact';
import { STRATEGY_TAG } from '../rotation/resolve-strategy';
import type { ParameterJournalEntry } from './parameter-journal';
import { CURRENT_LABEL, digest, PREVIOUS_LABEL, revokePreviousParameter, type ParameterRotationDeps } from './parameter-rotation';

/** What a repair did: `repaired` when the parameter is back in a state a new run can start from. */
export interface ParameterRepairOutcome {
  repaired: boolean;
  detail: string;
}

/**
 * Finishes or undoes the emergency run that `entry` says died part-way, from what the journal
 * and the parameter's history say, never from a label alone (anyone with
 * ssm:LabelParameterVersion can move one):
 *
 * - nothing tested yet (`started`, `written`): a version newer than `fromVersion` holds a value
 *   nobody tested, so `current` goes back to `fromVersion` if it was moved off it and the old
 *   value is written again as the newest version, as a failed rotation leaves it;
 * - `tested`: the version written still holds the value tested (its SHA-256), so the labels move
 *   as the run would have moved them, then the revocation runs;
 * - `rotated`: `current` is still on the version written, so the revocation runs, on the version
 *   the run replaced only.
 *
 * A tag naming another strategy than the run's, a written version holding another value, or a
 * `current` label moved since are refused: nothing is changed and the detail says what to check.
 */
export async function repairParameter(entry: ParameterJournalEntry, deps: ParameterRotationDeps): Promise<ParameterRepairOutcome> {
  const { name, fromVersion } = entry;
  const facts = await deps.store.describe(name);
  if (!facts) return { repaired: false, detail: `parameter ${name} no longer exists; remove the journal entry of request ${entry.requestId} by hand` };
  const tagged = facts.tags[STRATEGY_TAG]?.trim();
  if (tagged !== entry.strategy) {
    return refused(entry, `its ${STRATEGY_TAG} tag says "${(tagged ?? '').slice(0, 40)}", not ${entry.strategy} as when the run began`);
  }
  const versions = await deps.store.history(name);
  const from = versions.find((v) => v.version === fromVersion);
  if (!from) return refused(entry, `version ${fromVersion} is gone from its history`);
  const current = versions.find((v) => v.labels.includes(CURRENT_LABEL));
  if (entry.phase === 'started' || entry.phase === 'written') return undoUntested(entry, deps, versions, from.keyId, current?.version);
  if (entry.toVersion === undefined || entry.digest === undefined) return refused(entry, `the journal says ${entry.phase} without the version written`);
  if (!versions.some((v) => v.version === entry.toVersion)) return refused(entry, `version ${entry.toVersion} is gone from its history`);
  const written = await deps.store.read(name, entry.toVersion);
  rememberSecret(written);
  if (digest(written) !== entry.digest) return refused(entry, `version ${entry.toVersion} holds another value than the one the run tested`);
  if (entry.phase === 'tested') {
    if (current && current.version !== fromVersion && current.version !== entry.toVersion) return refused(entry, `its ${CURRENT_LABEL} label is on version ${current.version}, moved since the run`);
    await deps.store.label(name, fromVersion, [PREVIOUS_LABEL]);
    await deps.store.label(name, entry.toVersion, [CURRENT_LABEL]);
  } else if (current?.version !== entry.toVersion) {
    return refused(entry, `its ${CURRENT_LABEL} label is on version ${current?.version ?? 'none'}, not on version ${entry.toVersion} that the run labelled`);
  }
  const revoked = await revokePreviousParameter(name, deps, { previousVersion: fromVersion });
  const labelled = `finished the rotation of request ${entry.requestId}: version ${entry.toVersion} is ${CURRENT_LABEL}`;
  return revoked.ok ? { repaired: true, detail: `${labelled}; ${revoked.detail}` } : { repaired: false, detail: `${labelled}, but the revocation failed: ${revoked.detail}` };
}

async function undoUntested(
  entry: ParameterJournalEntry,
  deps: ParameterRotationDeps,
  versions: Array<{ version: number }>,
  keyId: string | undefined,
  currentVersion: number | undefined,
): Promise<ParameterRepairOutcome> {
  const { name, fromVersion } = entry;
  const newest = versions.at(-1)!.version;
  if (newest === fromVersion) return { repaired: true, detail: `request ${entry.requestId} wrote nothing: version ${fromVersion} is still the newest` };
  const done: string[] = [];
  // A current label on a version nobody tested was moved there by someone else: it goes back.
  if (currentVersion !== undefined && currentVersion !== fromVersion) {
    await deps.store.label(name, fromVersion, [CURRENT_LABEL]);
    done.push(`${CURRENT_LABEL} moved back to version ${fromVersion} from untested version ${currentVersion}`);
  }
  const old = await deps.store.read(name, fromVersion);
  rememberSecret(old);
  const latest = await deps.store.read(name, newest);
  rememberSecret(latest);
  if (digest(latest) !== digest(old)) {
    const restored = await deps.store.put(name, old, keyId);
    done.push(`the value of version ${fromVersion} written again as version ${restored}`);
  }
  return { repaired: true, detail: `undid the untested rotation of request ${entry.requestId}: ${done.length ? done.join('; ') : 'nothing left to undo'}` };
}

function refused(entry: ParameterJournalEntry, why: string): ParameterRepairOutcome {
  return { repaired: false, detail: `parameter ${entry.name}: not repaired, nothing changed: ${why}; check the parameter's versions and labels by hand` };
}
