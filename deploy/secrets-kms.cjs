// KMS grants for secrets encrypted with customer-managed keys, built when serverless resolves
// serverless.yml from the secretsKmsKeyArns param (comma-separated key ARNs). Secrets on the
// AWS-managed key aws/secretsmanager need no grant, so an empty param adds nothing at all.
//
// Only roles that handle secret values get a key: Secrets Manager decrypts for GetSecretValue
// and encrypts (a new data key) for PutSecretValue with the caller's permissions. The emergency
// and audit roles never read a value, so they get none. kms:ViaService keeps each grant usable
// only through Secrets Manager in this region, never by calling KMS directly.
/* global module, require */
'use strict';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS, as serverless loads it; one source for the hygiene mode
const { readsValues } = require('./staleness-hygiene.cjs');

/** Which role may do what with the keys, and why. */
const GRANTS = [
  // Reads current/previous/master values and puts the pending one.
  { id: 'RotateSecretsKmsPolicy', role: 'RotateRole', actions: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  // Reads its channel-configuration secret.
  { id: 'AlertSecretsKmsPolicy', role: 'AlertRole', actions: ['kms:Decrypt'] },
  // Reads its Kubernetes connection secret (deploy/refresh.yml).
  { id: 'RefreshSecretsKmsPolicy', role: 'RefreshRole', actions: ['kms:Decrypt'] },
  // Reads values for the hygiene check, unless the stalenessHygiene param turns it off.
  { id: 'StalenessSecretsKmsPolicy', role: 'StalenessRole', actions: ['kms:Decrypt'], when: ({ hygiene }) => readsValues(hygiene) },
];

// A key ARN, not an alias: IAM matches a key's ARN only (an alias ARN in Resource grants nothing).
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Parses the secretsKmsKeyArns param (or another, named by `param`): comma-separated key ARNs of this region, duplicates dropped. */
function parseKeyArns(raw, region, param = 'secretsKmsKeyArns') {
  const arns = String(raw ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter(Boolean);
  for (const arn of arns) {
    const match = KEY_ARN.exec(arn);
    if (!match) throw new Error(`${param}: "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; aliases cannot be granted)`);
    // Secrets Manager only encrypts with a key in the secret's own region.
    if (match[1] !== region) throw new Error(`${param}: "${arn}" is in ${match[1]}, but this stage deploys to ${region}`);
  }
  return [...new Set(arns)];
}

/** One IAM policy per role that handles secret values, or no resources when no key is given. */
function kmsResources(keyArns, settings) {
  if (keyArns.length === 0) return {};
  const Resources = {};
  for (const grant of GRANTS) {
    if (grant.when && !grant.when(settings)) continue;
    Resources[grant.id] = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'secrets-kms',
        Roles: [{ Ref: grant.role }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'SecretsKeysThroughSecretsManagerOnly',
              Effect: 'Allow',
              Action: grant.actions,
              Resource: keyArns,
              Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } },
            },
          ],
        },
      },
    };
  }
  return { Resources };
}

module.exports = {
  parseKeyArns,
  kmsResources,
  /** Serverless calls this for ${file(deploy/secrets-kms.cjs):resources}. */
  resources: async ({ resolveVariable }) => {
    const region = await resolveVariable('self:provider.region');
    const keyArns = parseKeyArns(await resolveVariable('param:secretsKmsKeyArns'), region);
    const hygiene = await resolveVariable("param:stalenessHygiene, 'tagged'");
    return kmsResources(keyArns, { hygiene });
  },
};
