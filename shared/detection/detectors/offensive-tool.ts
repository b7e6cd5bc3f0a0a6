import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { OFFENSIVE_TOOLS, offensiveToolIn } from '../offensive-tools';

/**
 * A Secrets Manager call whose user agent names an offensive tool (offensive-tools.ts). One finding
 * per principal, tool and burst window, however many calls the tool made.
 */
export const offensiveTool: RecordDetector = {
  kind: 'record',
  name: 'offensive-tool',
  title: 'Offensive tool in the user agent',
  severity: 'high',
  description: `A Secrets Manager call, allowed or denied, whose user agent names an offensive tool or penetration-testing platform from the maintained list in shared/detection/offensive-tools.ts (${OFFENSIVE_TOOLS.map((t) => t.name).join(', ')}). Audit tools (ScoutSuite, Prowler, Steampipe) are left out: security teams run them on schedule.`,
  runbook:
    'Ask whether a penetration test or red-team exercise is running against this account with this principal. If not: treat the principal\'s credentials as stolen. Disable the access key or revoke the role\'s sessions, list everything it did (`keywarden audit query --principal <arn> --since 24h`) and rotate every secret it read or could read.',
  inspect(record, ctx) {
    const tool = offensiveToolIn(record.userAgent);
    if (!tool || record.principal.type === 'AWSService') return undefined;
    const window = ctx.windowOf(record);
    return {
      title: `${tool.name} used by ${record.principal.key}`,
      record,
      evidence: { tool: tool.name, why: tool.why, windowStart: window, ...recordEvidence(record) },
      dedupParts: [record.principal.key, tool.name],
      occurrenceParts: [record.principal.key, tool.name, window],
    };
  },
};
