import { anyText, optionalSetting, requiredSetting, setting, wholeNumber } from '../settings/fields';
import type { SettingsOf } from '../settings/read';
import { EGRESS_ALLOW_ENV, parseEgressPolicy } from './egress';

/**
 * The alert function's settings (shared/settings). Only names and numbers: the channel
 * credentials and routes live in the secret named by `KEYWARDEN_ALERT_CHANNELS_SECRET` (see
 * channel-config.ts).
 */
export const alertSettingsSchema = {
  stage: requiredSetting('KEYWARDEN_STAGE', anyText, 'the stage name'),
  channelsSecret: requiredSetting('KEYWARDEN_ALERT_CHANNELS_SECRET', anyText, 'the channel configuration secret name'),
  table: requiredSetting('KEYWARDEN_ALERT_TABLE', anyText, 'the dedup and delivery table'),
  deadLetterQueueUrl: requiredSetting('KEYWARDEN_ALERT_DLQ_URL', anyText, "the alert queue's dead-letter queue URL"),
  fallbackTopicArn: requiredSetting('KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN', anyText, 'where "delivery failed" notices go'),
  /** The stage's alert topic: SNS's destination when the secret names none. */
  topicArn: optionalSetting('KEYWARDEN_ALERT_TOPIC_ARN', anyText),
  /** Must equal the alert queue's maxReceiveCount. */
  maxReceives: setting('KEYWARDEN_ALERT_MAX_RECEIVES', wholeNumber(1, 1000), 5),
  dedupWindowSeconds: setting('KEYWARDEN_ALERT_DEDUP_WINDOW_SECONDS', wholeNumber(0, 7 * 86_400), 900),
  stateTtlDays: setting('KEYWARDEN_ALERT_STATE_TTL_DAYS', wholeNumber(1, 365), 30),
  configTtlSeconds: setting('KEYWARDEN_ALERT_CONFIG_TTL_SECONDS', wholeNumber(0, 86_400), 300),
  reserveMs: setting('KEYWARDEN_ALERT_RESERVE_MS', wholeNumber(0, 60_000), 5_000),
  /** Flood control (flood-control.ts): the window of a principal's findings of one rule; 0 turns grouping off. */
  floodWindowSeconds: setting('KEYWARDEN_ALERT_FLOOD_WINDOW_SECONDS', wholeNumber(0, 86_400), 3_600),
  /** New pages per principal per hour before the rest are suppressed and summarised; 0: no cap. */
  pageCapPerHour: setting('KEYWARDEN_ALERT_PAGE_CAP_PER_HOUR', wholeNumber(0, 10_000), 5),
  /** The count of a flood group's (and the cap summary's) first update; then at every doubling. */
  floodFirstUpdate: setting('KEYWARDEN_ALERT_FLOOD_FIRST_UPDATE', wholeNumber(2, 1_000_000), 10),
  /** Hosts Slack and PagerDuty URLs may name besides the services' own (a proxy), comma-separated (egress.ts). */
  egress: setting(EGRESS_ALLOW_ENV, parseEgressPolicy, parseEgressPolicy(undefined)),
};

/** The alert function's settings, read. */
export type AlertSettings = SettingsOf<typeof alertSettingsSchema>;
