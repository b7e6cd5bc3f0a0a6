import { describe, expect, it } from 'vitest';
import { readPackagedTemplate, roleStatements } from '../support/template';

// Who may write the rotation ledger, in the packaged template: the writers of a secret must not
// (no role but keywarden's three touches it), the rotate function writes only pending-value records
// (so whoever can invoke it cannot grant it a revocation), the emergency function only grants,
// the refresh function only its own once-per-version records.
const { Resources } = readPackagedTemplate();
const LEDGER = { 'Fn::GetAtt': ['RotationLedgerTable', 'Arn'] };

function ledgerStatements(roleId: string): Array<Record<string, unknown>> {
  return roleStatements(Resources, roleId).filter((s) => JSON.stringify(s.Resource).includes('RotationLedgerTable'));
}

describe('the rotation ledger in the packaged template', () => {
  it('is a table keyed by pk with a TTL, named for the stage', () => {
    expect(Resources.RotationLedgerTable?.Properties).toMatchObject({
      TableName: 'keywarden-ci-rotation-ledger',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('lets the rotate role read every item and write pending records only', () => {
    expect(ledgerStatements('RotateRole')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: LEDGER }),
      { Sid: 'RecordPendingValues', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: LEDGER, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['pending#*'] } } },
    ]);
    expect(ledgerStatements('RotateRole').find((s) => s.Action === 'dynamodb:GetItem')?.Condition).toBeUndefined();
  });

  it('lets the emergency role write revocation grants only, and read nothing there', () => {
    expect(ledgerStatements('EmergencyRole')).toEqual([
      { Sid: 'GrantRevocations', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: LEDGER, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['revoke#*'] } } },
    ]);
  });

  it('lets the refresh role keep its own refresh records only, never a pending record or a revocation grant', () => {
    expect(ledgerStatements('RefreshRole')).toEqual([
      {
        Sid: 'RefreshRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: LEDGER,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['refresh#*', 'refresh-failed#*'] } },
      },
    ]);
  });

  it('is reachable by no other role', () => {
    const roles = Object.keys(Resources).filter((id) => Resources[id]!.Type === 'AWS::IAM::Role');
    expect(roles.filter((id) => ledgerStatements(id).length > 0).sort()).toEqual(['EmergencyRole', 'RefreshRole', 'RotateRole']);
  });

  it('gives the rotate and emergency functions its name', () => {
    for (const fn of ['RotateLambdaFunction', 'EmergencyLambdaFunction']) {
      expect((Resources[fn]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.KEYWARDEN_ROTATION_LEDGER_TABLE, fn).toEqual({ Ref: 'RotationLedgerTable' });
    }
  });
});
