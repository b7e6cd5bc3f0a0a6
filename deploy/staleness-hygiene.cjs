// The staleness role's permission to read secret values, built when serverless resolves
// serverless.yml: only the opt-in hygiene check reads values, so with the stalenessHygiene param
// 'off' the role gets no secretsmanager:GetSecretValue at all (and deploy/secrets-kms.cjs gives
// it no kms:Decrypt). Listing, metrics and findings never need a value.
/* global module */
'use strict';

/** The values of the stalenessHygiene param, as KEYWARDEN_HYGIENE accepts them. */
const HYGIENE_MODES = ['off', 'tagged', 'all'];

/** Checks the stalenessHygiene param: a typo must fail the package, not deploy a role that differs from the mode. */
function hygieneMode(raw) {
  const mode = String(raw ?? 'tagged').trim();
  if (!HYGIENE_MODES.includes(mode)) throw new Error(`stalenessHygiene: "${mode}" is not one of ${HYGIENE_MODES.join(', ')}`);
  return mode;
}

/** True when the hygiene check may read values in this mode. */
function readsValues(mode) {
  return hygieneMode(mode) !== 'off';
}

/**
 * The policy letting the staleness role read values of this stage's secrets, or no resources
 * when the hygiene check is off. Scoped like every value-reading role: the secretNamePattern
 * param and the keywarden:stage tag.
 */
function hygieneReadResources(settings) {
  if (!readsValues(settings.hygiene)) return {};
  return {
    Resources: {
      StalenessHygieneReadPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'hygiene-reads-values',
          Roles: [{ Ref: 'StalenessRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'HygieneReadsThisStagesValues',
                Effect: 'Allow',
                Action: 'secretsmanager:GetSecretValue',
                Resource: { 'Fn::Sub': `arn:aws:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${settings.secretNamePattern}` },
                Condition: { StringEquals: { 'aws:ResourceTag/keywarden:stage': settings.stage } },
              },
            ],
          },
        },
      },
    },
  };
}

module.exports = {
  HYGIENE_MODES,
  hygieneMode,
  readsValues,
  hygieneReadResources,
  /** Serverless calls this for ${file(deploy/staleness-hygiene.cjs):resources}. */
  resources: async ({ resolveVariable }) =>
    hygieneReadResources({
      hygiene: await resolveVariable("param:stalenessHygiene, 'tagged'"),
      secretNamePattern: await resolveVariable('param:secretNamePattern'),
      stage: await resolveVariable('sls:stage'),
    }),
};
