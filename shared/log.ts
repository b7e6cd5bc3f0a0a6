import { Logger } from '@aws-lambda-powertools/logger';
import { redactLogAttribute } from './redact';

/**
 * The one logger. Powertools gives structured JSON lines with the Lambda context; the JSON
 * replacer passes every string through redaction (shared/redact.ts), so a secret that slipped
 * into an error from a dependency is still not printed, and an attribute named like a
 * credential (`password`, `apiKey`...) is replaced whole.
 */
/**
 * Where domain code that is handed a logger writes: the rotation context and database settings
 * carry one, so a strategy never reaches for the process's logger and a test can read what it said.
 */
export interface LogSink {
  warn(message: string, attributes?: Record<string, unknown>): void;
}

export const log = new Logger({
  serviceName: 'keywarden',
  jsonReplacerFn: (key: string, value: unknown) => redactLogAttribute(key, value),
});

/** The process's logger as a {@link LogSink}: what the composition roots hand to domain code. */
export const processLog: LogSink = {
  warn: (message, attributes) => (attributes ? log.warn(message, attributes) : log.warn(message)),
};
