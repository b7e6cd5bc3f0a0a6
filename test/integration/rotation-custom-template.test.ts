import { describe, expect, it } from 'vitest';
import { readPackagedTemplate, roleStatements } from '../support/template';

describe('custom rotators in the packaged template', () => {
  it('the rotate role may invoke only this stage\'s keywarden-<stage>-rotator-* functions, and no other Lambda action', () => {
    const lambda = roleStatements(readPackagedTemplate().Resources, 'RotateRole').filter((statement) =>
      ([statement.Action].flat() as string[]).some((action) => action.startsWith('lambda:')),
    );
    expect(lambda).toEqual([
      {
        Sid: 'InvokeThisStagesCustomRotators',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::Sub': 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:keywarden-ci-rotator-*' },
      },
    ]);
  });
});
