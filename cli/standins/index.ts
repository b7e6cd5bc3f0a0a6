/**
 * Local HTTP servers that behave like the services keywarden alerts through, for the tests,
 * the benchmarks and the local demo (`keywarden alert standins`): Slack's incoming webhook and
 * PagerDuty's Events API v2. Each checks payloads against the real API's rules and can fail the
 * way the real one does (429 with Retry-After, 5xx, 400, slow), at random or scripted.
 */
export { FaultInjector, type FaultKind, type FaultOptions } from './faults';
export type { RecordedRequest, StandinOptions, StandinServer } from './http';
export { startPagerDutyStandin, pagerDutyEventProblems, PAGERDUTY_RULES, type PagerDutyStandin, type StandinIncident } from './pagerduty';
export { startSlackStandin, slackPayloadProblems, SLACK_RULES, type SlackStandin } from './slack';
export { allowStandinEgress, LOCAL_STANDIN_HOSTS } from './egress';
