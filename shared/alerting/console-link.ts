/**
 * The "open in the console" link of an alert. A finding's secret ARN can come straight from a
 * CloudTrail record (a `secretId` shaped like an ARN is taken as one), so it is attacker text: a
 * link is built only from an ARN that is, character for character, a Secrets Manager secret ARN
 * of this deployment's partition, region and account, and the link's host is the console's,
 * chosen here, never taken from the ARN. Anything else gets no link.
 */

/** Where keywarden runs: the partition, region and account its own resources live in. */
export interface AwsDeployment {
  partition: string;
  region: string;
  accountId: string;
}

const PARTITION = '(aws|aws-us-gov|aws-cn)';
const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d{1,2})';
const ACCOUNT = '(\\d{12})';

/** `arn:<partition>:<service>:<region>:<account>:<resource>` of a known partition. */
const ANY_ARN = new RegExp(`^arn:${PARTITION}:[a-z0-9-]+:${REGION}:${ACCOUNT}:.+$`);

/**
 * A secret ARN: the name (Secrets Manager allows letters, digits and `/_+=.@-`, at most 512)
 * and the six random characters it appends.
 */
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:([A-Za-z0-9/_+=.@-]{1,512})-[A-Za-z0-9]{6}$`);

/** The console's host per partition. */
const CONSOLE_ORIGIN: Record<string, (region: string) => string> = {
  aws: (region) => `https://${region}.console.aws.amazon.com`,
  'aws-us-gov': () => 'https://console.amazonaws-us-gov.com',
  'aws-cn': () => 'https://console.amazonaws.cn',
};

/** The deployment an ARN of one of keywarden's own resources (its fallback topic, say) belongs to. */
export function deploymentFromArn(arn: string | undefined): AwsDeployment | undefined {
  const match = arn ? ANY_ARN.exec(arn) : null;
  return match ? { partition: match[1]!, region: match[2]!, accountId: match[3]! } : undefined;
}

/**
 * The secret's name when `arn` is a well-formed secret ARN of `deployment`'s partition, region
 * and account; undefined otherwise (another account, another region, a foreign host, a scheme).
 */
export function validatedSecretName(arn: string | undefined, deployment: AwsDeployment | undefined): string | undefined {
  if (!arn || !deployment) return undefined;
  const match = SECRET_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, accountId, name] = match;
  const ours = partition === deployment.partition && region === deployment.region && accountId === deployment.accountId;
  return ours ? name : undefined;
}

/** The secret's page in the AWS console, only for a validated ARN of this deployment. */
export function secretConsoleLink(arn: string | undefined, deployment: AwsDeployment | undefined): string | undefined {
  const name = validatedSecretName(arn, deployment);
  const origin = deployment && CONSOLE_ORIGIN[deployment.partition];
  if (!name || !origin) return undefined;
  const region = deployment.region;
  return `${origin(region)}/secretsmanager/secret?name=${encodeURIComponent(name)}&region=${region}`;
}
