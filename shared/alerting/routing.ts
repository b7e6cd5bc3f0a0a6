import { z } from 'zod';
import { CHANNEL_NAMES, type ChannelName } from './channel';
import { SEVERITIES, type Finding, type Severity } from '../finding';

/**
 * Which channels hear about a finding: a map from severity to channels, with per-tenant maps
 * that replace the channels for the severities they name. Configuration, not code: it is part
 * of the channel-configuration secret (see channel-config.ts).
 */

const channelList = z
  .array(z.enum(CHANNEL_NAMES))
  .max(CHANNEL_NAMES.length)
  .refine((list) => new Set(list).size === list.length, 'a channel is listed twice');

/** Severity → channels; `[]` silences a severity, one left out keeps the default. */
export const severityRoutesSchema = z
  .object(Object.fromEntries(SEVERITIES.map((s) => [s, channelList.optional()])) as Record<Severity, z.ZodOptional<typeof channelList>>)
  .strict();

/** The `routes` member of the channel configuration. */
export const routesSchema = z
  .object({
    /** The default for every tenant. */
    severity: severityRoutesSchema.optional(),
    /** Per tenant (the finding's `tenant`): the severities named here replace the default. */
    tenants: z.record(z.string().min(1), severityRoutesSchema).optional(),
  })
  .strict();

/** Routes as configured. */
export type RoutesConfig = z.infer<typeof routesSchema>;

/** Routes with every severity filled in. */
export interface Routes {
  severity: Record<Severity, ChannelName[]>;
  tenants: Record<string, Partial<Record<Severity, ChannelName[]>>>;
}

/** Critical and high page; medium goes to chat and the topic; low and info to the topic only. */
export const DEFAULT_SEVERITY_ROUTES: Record<Severity, ChannelName[]> = {
  critical: ['pagerduty', 'slack', 'sns'],
  high: ['pagerduty', 'slack', 'sns'],
  medium: ['slack', 'sns'],
  low: ['sns'],
  info: ['sns'],
};

/**
 * Fills in configured routes. A severity the configuration does not name gets the default,
 * keeping only the channels that are configured (`available`), so a team with only SNS set up
 * still gets every finding there and nothing is dropped for want of a line. What the
 * configuration names is taken as written; {@link unavailableChannels} checks it.
 */
export function resolveRoutes(config: RoutesConfig | undefined, available: readonly ChannelName[]): Routes {
  const severity = Object.fromEntries(
    SEVERITIES.map((s) => [s, config?.severity?.[s] ?? DEFAULT_SEVERITY_ROUTES[s].filter((c) => available.includes(c))]),
  ) as Record<Severity, ChannelName[]>;
  return { severity, tenants: config?.tenants ?? {} };
}

/** Channels the routes name that are not configured, each with where it is named. */
export function unavailableChannels(routes: Routes, available: readonly ChannelName[]): string[] {
  const problems: string[] = [];
  const check = (where: string, list: readonly ChannelName[] | undefined) => {
    for (const channel of list ?? []) if (!available.includes(channel)) problems.push(`${where} names ${channel}, which is not configured`);
  };
  for (const severity of SEVERITIES) check(`routes.severity.${severity}`, routes.severity[severity]);
  for (const [tenant, map] of Object.entries(routes.tenants)) {
    for (const severity of SEVERITIES) check(`routes.tenants.${tenant}.${severity}`, map[severity]);
  }
  return problems;
}

/** The channels for a finding: its tenant's choice for its severity, else the default. */
export function channelsFor(finding: Pick<Finding, 'severity' | 'tenant'>, routes: Routes): ChannelName[] {
  const override = finding.tenant ? routes.tenants[finding.tenant]?.[finding.severity] : undefined;
  return [...(override ?? routes.severity[finding.severity])];
}
