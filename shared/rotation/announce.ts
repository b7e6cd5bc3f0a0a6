import type { Clock } from '../clock';
import type { RotationEventDetail, RotationOutcome } from './rotation-event';

/**
 * The event's fields as the rotate function knows them: the secret as the request named it
 * (usually its ARN) and, when the step got that far, its resolved name. The publisher, loaded
 * lazily (shared/aws/rotate-deps.ts), turns that into name and ARN and adds the tenant, so none
 * of that code is parsed at a cold start.
 */
export type AnnouncedFields = Omit<RotationEventDetail, 'version' | 'tenant' | 'secret'> & { secretId: string; secretName?: string };

/** What announcing needs: a publish that may load its client on first use, a logger, a clock. */
export interface AnnounceDeps {
  publish: (fields: AnnouncedFields) => Promise<void>;
  log: { warn(message: string, extra: Record<string, unknown>): void };
  clock: Clock;
}

/** What one announcement says; the secret by its id as the request named it, or as the step resolved it. */
export interface Announcement {
  outcome: RotationOutcome;
  secretId: string;
  /** The resolved name, when the step got that far (a SecretId is usually the ARN). */
  secretName?: string;
  versionId: string;
  strategy?: string;
  step?: string;
  error?: unknown;
}

/**
 * Puts a `keywarden.rotation` event on the bus for `announcement`. It never throws: a rotation
 * that finished is not undone, and one that failed keeps its own error, because the bus was
 * unreachable; the miss is logged (names and ids only), and the consumers' freshness check still
 * notices a consumer left behind.
 */
export async function announce(announcement: Announcement, deps: AnnounceDeps): Promise<void> {
  try {
    await deps.publish({
      outcome: announcement.outcome,
      secretId: announcement.secretId,
      ...(announcement.secretName !== undefined && { secretName: announcement.secretName }),
      versionId: announcement.versionId,
      ...(announcement.strategy !== undefined && { strategy: announcement.strategy }),
      ...(announcement.step !== undefined && { step: announcement.step }),
      ...(announcement.error !== undefined && { error: errorName(announcement.error) }),
      at: deps.clock.now().toISOString(),
    });
  } catch (publishError) {
    deps.log.warn('could not publish the rotation event; the rotation is unaffected', {
      outcome: announcement.outcome,
      secret: announcement.secretName ?? announcement.secretId,
      versionId: announcement.versionId,
      publishError: publishError instanceof Error ? publishError.name : 'unknown',
    });
  }
}

/** The error's class name only: its message may name a host, a user or a field. */
function errorName(error: unknown): string {
  return error instanceof Error && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(error.name) ? error.name : 'Error';
}
