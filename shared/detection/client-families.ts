/**
 * The client family of a user agent: the SDK, tool or program that made the call, without its
 * version, so a principal's SDK upgrade is not "a new client" but moving from the Go SDK in a pod
 * to the CLI on a laptop is. The user agent is attacker text and is only ever reduced to one of a
 * few short labels here.
 */

/** Known families, most specific first: the first whose pattern the user agent matches names it. */
const FAMILIES: ReadonlyArray<readonly [string, RegExp]> = [
  ['console', /(^|[^a-z])(console\.(aws\.)?amazonaws\.com|aws internal)/i],
  ['external-secrets', /external-secrets/i],
  ['secrets-manager-agent', /aws-secrets-manager-agent|secretsmanageragent/i],
  ['lambda-extension', /AWSParametersAndSecretsLambdaExtension|parameters-and-secrets/i],
  ['terraform', /terraform|hashicorp/i],
  ['aws-cli', /(^|[^a-z])aws-cli\//i],
  ['python', /(^|[^a-z])(boto3|botocore)\//i],
  ['go-v2', /aws-sdk-go-v2/i],
  ['go', /aws-sdk-go\//i],
  ['java', /aws-sdk-java/i],
  ['javascript', /aws-sdk-(js|nodejs)/i],
  ['dotnet', /aws-sdk-dotnet/i],
  ['ruby', /aws-sdk-ruby/i],
  ['php', /aws-sdk-php/i],
  ['rust', /aws-sdk-rust/i],
  ['powershell', /AWSPowerShell/i],
];

/** A fleet uses a handful of agents: each is worked out once (bounded, since they are attacker text). */
const known = new Map<string, string>();
const CACHE_LIMIT = 10_000;

/** The family of a user agent: a known family's label, `other:<first word>` (at most 24 letters), or `none`. */
export function clientFamilyOf(userAgent: string | undefined): string {
  if (!userAgent) return 'none';
  let family = known.get(userAgent);
  if (family === undefined) {
    family = familyOf(userAgent);
    if (known.size >= CACHE_LIMIT) known.clear();
    known.set(userAgent, family);
  }
  return family;
}

function familyOf(userAgent: string): string {
  for (const [label, pattern] of FAMILIES) if (pattern.test(userAgent)) return label;
  const word = /^[A-Za-z][A-Za-z_.-]{0,23}/.exec(userAgent)?.[0];
  return word ? `other:${word.toLowerCase()}` : 'other';
}
