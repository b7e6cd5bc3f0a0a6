/**
 * Where an emergency rotation of a parameter writes down how far it got, so a run that dies
 * between two writes (a crash, a lost connection, a killed CLI) can be finished or undone by the
 * next run or by `keywarden emergency --repair`. One entry a parameter, owned by one request;
 * never a value, only version numbers and the SHA-256 of the value written. The DynamoDB adapter
 * is shared/aws/dynamodb-parameter-journal.ts (the emergency table).
 */

/**
 * How far a run got: `started` (nothing written yet, or a write not yet noted), `written` (version
 * `toVersion` holds an untested value), `tested` (it passed the strategy's test: the labels may
 * move), `rotated` (both labels moved; the revocation is what is left).
 */
export type ParameterPhase = 'started' | 'written' | 'tested' | 'rotated';

/** One run's entry. */
export interface ParameterJournalEntry {
  name: string;
  requestId: string;
  /** The strategy the parameter's tag named when the run began; a repair refuses another. */
  strategy: string;
  /** The version that was current when the run began (the leaked one, for an emergency). */
  fromVersion: number;
  toVersion?: number;
  /** Hex SHA-256 of the value written as `toVersion`: a repair promotes only that value. */
  digest?: string;
  phase: ParameterPhase;
  startedAt: string;
}

/** The journal. Every write is conditional, so two requests never share an entry. */
export interface ParameterJournal {
  /** Opens the entry; `held` when another request's entry is there (a run that died: repair it first). */
  begin(entry: ParameterJournalEntry): Promise<{ begun: true } | { begun: false; held: ParameterJournalEntry }>;
  /** Records progress of the request that owns the entry. */
  advance(name: string, requestId: string, patch: Pick<ParameterJournalEntry, 'phase'> & Partial<Pick<ParameterJournalEntry, 'toVersion' | 'digest'>>): Promise<void>;
  read(name: string): Promise<ParameterJournalEntry | undefined>;
  /** Closes the entry of `requestId`; another request's entry is left alone. */
  end(name: string, requestId: string): Promise<void>;
}
