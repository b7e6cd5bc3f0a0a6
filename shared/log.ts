import { Logger } from '@aws-lambda-powertools/logger';
import { redactLogAttribute } from './redact';

/**
 * The one logger. Powertools gives structured JSON lines with the Lambda context; the JSON
 * replacer passes every string through redaction (shared/redact.ts), so a secret that slipped
 * into an error from a dependency is still not printed, and an attribute named like a
 * credential (`password`, `apiKey`...) is replaced whole.
 */
export const log = new Logger({
  serviceName: 'keywarden',
  jsonReplacerFn: (key: string, value: unknown) => redactLogAttribute(key, value),
});
