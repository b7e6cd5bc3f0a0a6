import { gunzipSync } from 'node:zlib';
import { InvalidRequestError } from '../errors';

/**
 * The shapes CloudTrail records come in on disk, all accepted by `keywarden audit replay`:
 * a JSON array (of raw records or EventBridge events), a CloudTrail log file
 * (`{"Records": [...]}`, gzipped as CloudTrail writes it to S3 or not), one JSON object, or
 * NDJSON (one record or event per line). Returns the values; each is then read like an SQS
 * message, so a line that is not JSON comes back as its text and is refused with a reason there.
 */
export function recordsFromFile(content: Buffer | string): unknown[] {
  const text = typeof content === 'string' ? content : isGzip(content) ? gunzipSync(content).toString('utf8') : content.toString('utf8');
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let whole: unknown;
    try {
      whole = JSON.parse(trimmed);
    } catch {
      whole = undefined;
    }
    if (Array.isArray(whole)) return whole;
    if (whole && typeof whole === 'object') {
      const records = (whole as { Records?: unknown }).Records;
      if (records !== undefined) {
        if (!Array.isArray(records)) throw new InvalidRequestError('"Records" in a CloudTrail log file must be a list');
        return records;
      }
      return [whole];
    }
    if (trimmed.startsWith('[')) throw new InvalidRequestError('the file starts like a JSON array but is not valid JSON');
  }
  return trimmed.split(/\r?\n/).flatMap((line) => {
    const entry = line.trim();
    if (entry === '') return [];
    try {
      return [JSON.parse(entry) as unknown];
    } catch {
      return [entry];
    }
  });
}

function isGzip(content: Buffer): boolean {
  return content.length > 2 && content[0] === 0x1f && content[1] === 0x8b;
}
