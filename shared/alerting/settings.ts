import { z } from 'zod';
import { integerFromEnv, requiredString } from '../config';

/**
 * The alert function's environment. Only names and numbers: the channel credentials and routes
 * live in the secret named by `KEYWARDEN_ALERT_CHANNELS_SECRET` (see channel-config.ts).
 */
export const alertEnvSchema = z.object({
  KEYWARDEN_STAGE: requiredString('KEYWARDEN_STAGE (the stage name)'),
  KEYWARDEN_ALERT_CHANNELS_SECRET: requiredString('KEYWARDEN_ALERT_CHANNELS_SECRET (the channel configuration secret name)'),
  KEYWARDEN_ALERT_TABLE: requiredString('KEYWARDEN_ALERT_TABLE (the dedup and delivery table)'),
  KEYWARDEN_ALERT_DLQ_URL: requiredString('KEYWARDEN_ALERT_DLQ_URL (the alert queue\'s dead-letter queue URL)'),
  KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN: requiredString('KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN (where "delivery failed" notices go)'),
  /** The stage's alert topic: SNS's destination when the secret names none. */
  KEYWARDEN_ALERT_TOPIC_ARN: z.string().min(1).optional(),
  /** Must equal the alert queue's maxReceiveCount. */
  KEYWARDEN_ALERT_MAX_RECEIVES: integerFromEnv(5, 1, 1000),
  KEYWARDEN_ALERT_DEDUP_WINDOW_SECONDS: integerFromEnv(900, 0, 7 * 86_400),
  KEYWARDEN_ALERT_STATE_TTL_DAYS: integerFromEnv(30, 1, 365),
  KEYWARDEN_ALERT_CONFIG_TTL_SECONDS: integerFromEnv(300, 0, 86_400),
  KEYWARDEN_ALERT_RESERVE_MS: integerFromEnv(5_000, 0, 60_000),
  /** Flood control (flood-control.ts): the window of a principal's findings of one rule; 0 turns grouping off. */
  KEYWARDEN_ALERT_FLOOD_WINDOW_SECONDS: integerFromEnv(3_600, 0, 86_400),
  /** New pages per principal per hour before the rest are suppressed and summarised; 0: no cap. */
  KEYWARDEN_ALERT_PAGE_CAP_PER_HOUR: integerFromEnv(5, 0, 10_000),
  /** The count of a flood group's (and the cap summary's) first update; then at every doubling. */
  KEYWARDEN_ALERT_FLOOD_FIRST_UPDATE: integerFromEnv(10, 2, 1_000_000),
  /** Hosts Slack and PagerDuty URLs may name besides the services' own (a proxy), comma-separated (egress.ts). */
  KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS: z.string().optional(),
});

/** The validated environment. */
export type AlertEnv = z.infer<typeof alertEnvSchema>;
