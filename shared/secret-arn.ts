/**
 * Secrets Manager secret ARNs, checked before keywarden puts one where a machine acts on it (an
 * event's `Resources`, a console link). In a CloudTrail record a "secret id" is whatever the
 * caller typed, so text that merely looks like an ARN is never trusted as one.
 */

/** Where keywarden runs: a secret ARN of anywhere else is not one of its secrets. */
export interface OwnRegion {
  partition: string;
  region: string;
  accountId: string;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, names as Secrets Manager allows them. */
const SECRET_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/;

/** Whether `arn` is a well-formed secret ARN of this partition, region and account. */
export function isOwnSecretArn(arn: unknown, own: OwnRegion): arn is string {
  if (typeof arn !== 'string' || arn.length > 2048) return false;
  const match = SECRET_ARN.exec(arn);
  return match !== null && match[1] === own.partition && match[2] === own.region && match[3] === own.accountId;
}
