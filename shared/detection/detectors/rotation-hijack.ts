import { functionIsOneOf } from '../config';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { accountOf } from './common';
import { secretKeyOf } from '../../audit/record';


/**
 * Rotation pointed at a function nobody approved: RotateSecret with a RotationLambdaARN that is not
 * on KEYWARDEN_ROTATION_FUNCTIONS. The rotation function receives every future value of the secret
 * and the master credentials it rotates with; pointing it elsewhere is a quiet, lasting theft.
 */
export const rotationHijack: RecordDetector = {
  kind: 'record',
  name: 'rotation-hijack',
  events: ['RotateSecret'],
  title: 'Rotation pointed at an unapproved function',
  severity: 'high',
  description:
    'RotateSecret named a RotationLambdaARN that is not on KEYWARDEN_ROTATION_FUNCTIONS (full function ARNs; keywarden\'s own rotate function by default). That function will be invoked with every future value of the secret. Critical when the function is in another account than the secret. Denied calls raise it too (an attempt), at medium.',
  runbook:
    'Find who made the call and whether the function is a rotation function your team deployed (its code, its owner, its account). If it is approved, add it to KEYWARDEN_ROTATION_FUNCTIONS. If not: point rotation back at the approved function (`aws secretsmanager rotate-secret --secret-id <secret> --rotation-lambda-arn <approved>`) or cancel it, then rotate the secret with keywarden (`keywarden emergency rotate <secret>`), since the unapproved function may already have received a value, and disable the principal that made the change. Check the function\'s resource policy and logs for what it did with the values.',
  inspect(record, ctx) {
    const fn = record.details.rotationLambdaArn;
    if (typeof fn !== 'string' || record.principal.type === 'AWSService') return undefined;
    if (functionIsOneOf(fn, ctx.config.rotationFunctions)) return undefined;
    const secret = record.secrets[0];
    const secretAccount = accountOf(secret?.arn) ?? record.accountId;
    const functionAccount = accountOf(fn);
    const foreign = functionAccount !== undefined && secretAccount !== undefined && functionAccount !== secretAccount;
    const denied = record.errorCode !== undefined;
    return {
      title: `${denied ? 'Attempt to point' : 'Rotation of'} ${secret?.name ?? 'a secret'} ${denied ? 'rotation ' : ''}at ${foreign ? 'a function in another account' : 'an unapproved function'}`,
      severity: denied ? 'medium' : foreign ? 'critical' : 'high',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { rotationLambdaArn: fn, functionAccount, secretAccount, approvedFunctions: ctx.config.rotationFunctions.slice(0, 10), ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? '', fn],
      occurrenceParts: [record.eventId],
    };
  },
};
