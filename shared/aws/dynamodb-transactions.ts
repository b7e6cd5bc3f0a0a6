/**
 * What the DynamoDB adapters share about TransactWriteItems: reading why a transaction was
 * cancelled, item by item, and backing off before the retry.
 */

/**
 * The per-item cancellation codes of a TransactionCanceledException (`None`,
 * `ConditionalCheckFailed`, `TransactionConflict`...), in the order of the request's items, or
 * undefined for any other error.
 */
export function cancellationCodes(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  if (e?.name !== 'TransactionCanceledException' || !Array.isArray(e.CancellationReasons)) return undefined;
  return e.CancellationReasons.map((reason) => reason?.Code ?? 'None');
}

/** Exponential backoff with jitter before attempt `attempt + 1`. */
export function pause(attempt: number): Promise<void> {
  const ms = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
