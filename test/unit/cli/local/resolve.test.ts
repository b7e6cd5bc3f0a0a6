import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/errors';
import { creationOrder, localContext, referencedIds, resolveValue, type ResolveContext } from '../../../../cli/local/resolve';

function context(): ResolveContext {
  const ctx = localContext('keywarden-ci', 'us-east-1', { Stage: 'ci' });
  ctx.resources.AuditQueue = {
    ref: 'http://127.0.0.1:5000/123456789012/keywarden-ci-audit',
    attributes: { Arn: 'arn:aws:sqs:us-east-1:123456789012:keywarden-ci-audit', QueueName: 'keywarden-ci-audit', QueueUrl: 'http://127.0.0.1:5000/123456789012/keywarden-ci-audit' },
  };
  ctx.resources.AuditTable = { ref: 'keywarden-ci-audit', attributes: { Arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/keywarden-ci-audit', StreamArn: 'arn:stream' } };
  return ctx;
}

describe('resolveValue', () => {
  it('resolves pseudo-parameters with moto account 123456789012', () => {
    const ctx = context();
    expect(resolveValue({ Ref: 'AWS::AccountId' }, ctx)).toBe('123456789012');
    expect(resolveValue({ Ref: 'AWS::Region' }, ctx)).toBe('us-east-1');
    expect(resolveValue({ Ref: 'AWS::Partition' }, ctx)).toBe('aws');
    expect(resolveValue({ Ref: 'AWS::StackName' }, ctx)).toBe('keywarden-ci');
    expect(resolveValue({ Ref: 'AWS::URLSuffix' }, ctx)).toBe('amazonaws.com');
  });

  it('resolves Ref to a resource, a parameter, and Fn::GetAtt in both spellings', () => {
    const ctx = context();
    expect(resolveValue({ Ref: 'AuditQueue' }, ctx)).toBe('http://127.0.0.1:5000/123456789012/keywarden-ci-audit');
    expect(resolveValue({ Ref: 'Stage' }, ctx)).toBe('ci');
    expect(resolveValue({ 'Fn::GetAtt': ['AuditQueue', 'Arn'] }, ctx)).toBe('arn:aws:sqs:us-east-1:123456789012:keywarden-ci-audit');
    expect(resolveValue({ 'Fn::GetAtt': 'AuditTable.StreamArn' }, ctx)).toBe('arn:stream');
  });

  it('resolves Fn::Sub with pseudo-parameters, attributes, variables and ${!literal}', () => {
    const ctx = context();
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x' }, ctx)).toBe(
      'arn:aws:logs:us-east-1:123456789012:log-group:/x',
    );
    expect(resolveValue({ 'Fn::Sub': '${AuditQueue.QueueName}-dlq' }, ctx)).toBe('keywarden-ci-audit-dlq');
    expect(resolveValue({ 'Fn::Sub': ['${Name}/${AuditTable}', { Name: { Ref: 'AWS::StackName' } }] }, ctx)).toBe('keywarden-ci/keywarden-ci-audit');
    expect(resolveValue({ 'Fn::Sub': 'keep ${!Literal}' }, ctx)).toBe('keep ${Literal}');
  });

  it('resolves Fn::Join, Fn::Select, Fn::Split nested inside objects and arrays', () => {
    const ctx = context();
    const value = {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['AuditQueue', 'Arn'] }, maxReceiveCount: 5 },
      Name: { 'Fn::Join': ['-', ['keywarden', { Ref: 'Stage' }, 'alerts']] },
      Last: { 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] },
      List: [{ Ref: 'AWS::Region' }, 'x'],
    };
    expect(resolveValue(value, ctx)).toEqual({
      RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:keywarden-ci-audit', maxReceiveCount: 5 },
      Name: 'keywarden-ci-alerts',
      Last: 'b',
      List: ['us-east-1', 'x'],
    });
  });

  it('drops properties and list items that are AWS::NoValue', () => {
    expect(resolveValue({ A: { Ref: 'AWS::NoValue' }, B: [1, { Ref: 'AWS::NoValue' }], C: 'c' }, context())).toEqual({ B: [1], C: 'c' });
  });

  it('refuses what it cannot resolve, naming it', () => {
    const ctx = context();
    expect(() => resolveValue({ Ref: 'Missing' }, ctx)).toThrow(ConfigError);
    expect(() => resolveValue({ Ref: 'Missing' }, ctx)).toThrow(/Missing/);
    expect(() => resolveValue({ 'Fn::GetAtt': ['AuditQueue', 'Nope'] }, ctx)).toThrow(/AuditQueue\.Nope/);
    expect(() => resolveValue({ 'Fn::If': ['Cond', 1, 2] }, ctx)).toThrow(/Fn::If/);
  });

  it('leaves plain values alone', () => {
    expect(resolveValue({ a: 1, b: 'two', c: [true, null] }, context())).toEqual({ a: 1, b: 'two', c: [true, null] });
  });
});

describe('referencedIds', () => {
  it('finds Ref, Fn::GetAtt and Fn::Sub references but not pseudo-parameters or Sub variables', () => {
    const ids = referencedIds({
      a: { Ref: 'Queue' },
      b: { 'Fn::GetAtt': ['Table', 'Arn'] },
      c: { 'Fn::GetAtt': 'Bus.Arn' },
      d: { 'Fn::Sub': ['${Topic}:${AWS::Region}:${Var}:${Rule.Arn}:${!Lit}', { Var: { Ref: 'Secret' } }] },
      e: { Ref: 'AWS::AccountId' },
    });
    expect([...ids].sort()).toEqual(['Bus', 'Queue', 'Rule', 'Secret', 'Table', 'Topic']);
  });
});

describe('creationOrder', () => {
  it('puts each resource after what it refers to and what it DependsOn', () => {
    const order = creationOrder({
      Rule: { Properties: { Targets: [{ Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }], EventBusName: { Ref: 'Bus' } } },
      Queue: { Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } } },
      Dlq: { Properties: {} },
      Bus: { Properties: {}, DependsOn: 'Dlq' },
      Alarm: { Properties: { Dimensions: [{ Value: { Ref: 'NotAResourceParameter' } }] } },
    });
    expect(order.indexOf('Dlq')).toBeLessThan(order.indexOf('Queue'));
    expect(order.indexOf('Queue')).toBeLessThan(order.indexOf('Rule'));
    expect(order.indexOf('Bus')).toBeLessThan(order.indexOf('Rule'));
    expect(order.indexOf('Dlq')).toBeLessThan(order.indexOf('Bus'));
    expect(order).toHaveLength(5);
  });

  it('refuses a cycle', () => {
    expect(() => creationOrder({ A: { Properties: { x: { Ref: 'B' } } }, B: { Properties: { x: { Ref: 'A' } } } })).toThrow(/cycle/);
  });
});
