import type { Problem } from '../emergency/doctor';
import type { ParameterJournalEntry } from './parameter-journal';

// The doctor's view of parameter emergencies: kept beside the journal it reads (shared/ssm sits
// above shared/emergency, whose doctor holds the problem type and the fixes).

/**
 * The parameter emergencies the journal holds open (a run that died part-way, or one running now),
 * as problems: each is repaired as `keywarden emergency --repair --secret <name>` repairs it; a
 * malformed entry (`malformed`: its key) needs a person.
 */
export function unfinishedParameterProblems(journal: { entries: readonly ParameterJournalEntry[]; malformed: readonly string[] }): Problem[] {
  const problems: Problem[] = journal.entries.map((entry) => ({
    kind: 'parameter-emergency-unfinished',
    secret: entry.name,
    arn: entry.name,
    detail: `emergency ${entry.requestId} (begun ${entry.startedAt || 'at an unknown time'}) ${phaseDetail(entry)}`,
    remedy: `finish or undo it from its journal under the parameter's lock, as \`keywarden emergency --repair --secret ${entry.name}\` does`,
    fixable: true,
  }));
  for (const key of journal.malformed) {
    problems.push({
      kind: 'parameter-emergency-unfinished',
      secret: key,
      arn: key,
      detail: 'the emergency table holds a malformed journal entry for a parameter',
      remedy: `check the parameter's versions and labels by hand, then remove the item ${JSON.stringify(key)} from the emergency table`,
      fixable: false,
    });
  }
  return problems;
}

function phaseDetail(entry: ParameterJournalEntry): string {
  switch (entry.phase) {
    case 'started':
      return `stopped before it noted a write over version ${entry.fromVersion}`;
    case 'written':
      return `wrote version ${entry.toVersion ?? '?'} over version ${entry.fromVersion} and stopped before its test: the new value is untested`;
    case 'tested':
      return `stopped after version ${entry.toVersion ?? '?'} passed its test, before the labels moved: version ${entry.fromVersion} (the leaked value) is still current`;
    case 'rotated':
      return `moved the labels to version ${entry.toVersion ?? '?'} and stopped before revoking version ${entry.fromVersion}`;
  }
}
