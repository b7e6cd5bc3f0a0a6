import { EGRESS_ALLOW_ENV, parseEgressPolicy, withExtraHosts } from '../../shared/alerting/egress';

/**
 * The hosts the stand-ins listen on, for the alert function's egress allow-list
 * (`KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS`). The local tools that point the alert function at
 * the stand-ins (the demo, `alert send` against the local AWS, the tests, the benchmark) add
 * them; a deployed stage never lists them, and production code has no other way around the list.
 */
export const LOCAL_STANDIN_HOSTS: readonly string[] = ['127.0.0.1'];

/** Adds the stand-ins' host to the allow-list in `env` (this process's, which an alert bundle run here reads). */
export function allowStandinEgress(env: NodeJS.ProcessEnv = process.env): void {
  env[EGRESS_ALLOW_ENV] = withExtraHosts(parseEgressPolicy(env[EGRESS_ALLOW_ENV]), LOCAL_STANDIN_HOSTS).extraHosts.join(',');
}
