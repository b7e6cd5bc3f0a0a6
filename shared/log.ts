import { Logger } from '@aws-lambda-powertools/logger';
import { redact } from './redact';

/**
 * The one logger. Powertools gives structured JSON lines with the Lambda context; the JSON
 * replacer passes every string through {@link redact}, so a secret that slipped into an error
 * from a dependency is still not printed.
 */
export const log = new Logger({
  serviceName: 'keywarden',
  jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
});
