/**
 * Offensive tools that name themselves in the user agent, as a maintained list: each entry says
 * what the tool is and why a Secrets Manager call carrying its name is worth a page. The user
 * agent is whatever the caller chose, so this only catches the careless (a careful attacker sets
 * a plain SDK agent); the behaviour detectors catch the rest. docs/audit.md gives the reasoning
 * for what is left out (ScoutSuite, Prowler, Steampipe, CloudSploit, Stratus Red Team...).
 *
 * Patterns match a whole word, case-insensitive: `pacu` in `Pacu/1.5`, not in `pacuvia`.
 */
export interface OffensiveTool {
  /** Short name, as findings show it. */
  readonly name: string;
  readonly pattern: RegExp;
  /** Why it is on the list. */
  readonly why: string;
}

const word = (text: string) => new RegExp(`(^|[^a-z0-9])${text}(?=[^a-z]|$)`, 'i');

export const OFFENSIVE_TOOLS: readonly OffensiveTool[] = [
  { name: 'pacu', pattern: word('pacu'), why: 'Rhino Security Labs\' AWS exploitation framework; its secretsmanager__enum module lists and reads every secret' },
  { name: 'cloudfox', pattern: word('cloudfox'), why: 'Bishop Fox\'s attack-path enumerator for penetration testers; its secrets command lists every secret a principal can reach' },
  { name: 'weirdaal', pattern: word('weirdaal'), why: 'AWS attack library: enumerates what stolen keys can do, service by service' },
  { name: 'trufflehog', pattern: word('trufflehog'), why: 'a secret scanner; it calls AWS only to try keys it found, so its agent on a Secrets Manager call is a found key being used' },
  { name: 'kali', pattern: word('kali'), why: 'Kali Linux in the agent\'s platform part: a penetration-testing distribution (GuardDuty\'s PenTest:IAMUser/KaliLinux)' },
  { name: 'parrot', pattern: word('parrot'), why: 'Parrot Security OS in the agent\'s platform part (GuardDuty\'s PenTest:IAMUser/ParrotLinux)' },
  { name: 'pentoo', pattern: word('pentoo'), why: 'Pentoo Linux in the agent\'s platform part (GuardDuty\'s PenTest:IAMUser/PentooLinux)' },
];

const known = new Map<string, OffensiveTool | null>();
const CACHE_LIMIT = 10_000;
const last: { agent?: string; tool: OffensiveTool | null } = { tool: null };

/** The first listed tool the user agent names, if any (worked out once per agent: a fleet has few). */
export function offensiveToolIn(userAgent: string | undefined): OffensiveTool | undefined {
  if (!userAgent) return undefined;
  // Consecutive records mostly carry the same agent: comparing is cheaper than hashing it again.
  if (userAgent === last.agent) return last.tool ?? undefined;
  let tool = known.get(userAgent);
  if (tool === undefined) {
    tool = OFFENSIVE_TOOLS.find((t) => t.pattern.test(userAgent)) ?? null;
    if (known.size >= CACHE_LIMIT) known.clear();
    known.set(userAgent, tool);
  }
  last.agent = userAgent;
  last.tool = tool;
  return tool ?? undefined;
}
