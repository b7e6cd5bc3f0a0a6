import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/audit/record';
import { clientFamilyOf } from '../../../shared/detection/client-families';
import { functionIsOneOf } from '../../../shared/detection/config';
import { networkGroupOf } from '../../../shared/detection/network-groups';
import { offensiveToolIn } from '../../../shared/detection/offensive-tools';
import { mergePuts, type StateUpdate } from '../../../shared/detection/state';
import { corpusRole } from '../../support/benign-corpus';
import { cloudTrail, getSecretValue } from '../../support/cloudtrail-records';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

const at = (ip: string, vpcEndpointId?: string) => ({ sourceIp: ip, vpcEndpointId }) as unknown as AuditRecord;

describe('network groups', () => {
  it('puts every private address in one group, public IPv4 by /24, IPv6 by /48, and names endpoints and services', () => {
    expect(['10.1.2.3', '172.20.0.9', '192.168.1.1', '100.64.3.3', 'fd00::1'].map((ip) => networkGroupOf(at(ip)))).toEqual(Array(5).fill({ label: 'private', isPublic: false }));
    expect(networkGroupOf(at('203.0.113.77'))).toEqual({ label: 'v4:203.0.113.0/24', isPublic: true });
    expect(networkGroupOf(at('2001:db8:abcd:12::1'))).toEqual({ label: 'v6:2001:db8:abcd::/48', isPublic: true });
    expect(networkGroupOf(at('2001:db8::1')).label).toBe('v6:2001:db8:0::/48');
    expect(networkGroupOf(at('203.0.113.77', 'vpce-0abc'))).toEqual({ label: 'vpce:vpce-0abc', isPublic: false });
    expect(networkGroupOf(at('secretsmanager.amazonaws.com'))).toEqual({ label: 'aws:secretsmanager.amazonaws.com', isPublic: false });
  });

  it('attack: a source "address" of 10,000 characters or markup becomes a short non-public label', () => {
    const group = networkGroupOf(at(`<b>${'9'.repeat(10_000)}`));
    expect(group.isPublic).toBe(false);
    expect(group.label.length).toBeLessThanOrEqual(68);
  });
});

describe('client families', () => {
  it('names the SDK or tool without its version', () => {
    expect(clientFamilyOf('aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.3 external-secrets')).toBe('external-secrets');
    expect(clientFamilyOf('aws-sdk-go-v2/1.26.1 os/linux')).toBe('go-v2');
    expect(clientFamilyOf('aws-sdk-go-v2/1.30.0 os/linux')).toBe('go-v2');
    expect(clientFamilyOf('Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux')).toBe('python');
    expect(clientFamilyOf('aws-cli/2.15.0 md/awscrt#0.19.17 ua/2.0 lang/python#3.11.6')).toBe('aws-cli');
    expect(clientFamilyOf('APN/1.0 HashiCorp/1.0 Terraform/1.7.5')).toBe('terraform');
    expect(clientFamilyOf('AWS Internal')).toBe('console');
    expect(clientFamilyOf(undefined)).toBe('none');
  });

  it('attack: an unknown agent of hostile text is reduced to at most 24 letters', () => {
    expect(clientFamilyOf(`Evil${'A'.repeat(5000)}/1.0`)).toBe(`other:evil${'a'.repeat(20)}`);
    expect(clientFamilyOf('\u0000\u202e<script>')).toBe('other');
  });
});

describe('approved rotation functions', () => {
  const approved = ['arn:aws:lambda:*:111122223333:function:keywarden-ci-rotate'];
  it('match by whole ARN or without the qualifier, in any region, and never across a colon', () => {
    expect(functionIsOneOf('arn:aws:lambda:eu-west-1:111122223333:function:keywarden-ci-rotate', approved)).toBe(true);
    expect(functionIsOneOf('arn:aws:lambda:eu-west-1:111122223333:function:keywarden-ci-rotate:live', approved)).toBe(true);
    expect(functionIsOneOf('arn:aws:lambda:eu-west-1:666666666666:function:keywarden-ci-rotate', approved)).toBe(false);
    expect(functionIsOneOf('arn:aws:lambda:eu-west-1:666666666666:function:x:111122223333:function:keywarden-ci-rotate', approved)).toBe(false);
  });
});

describe('offensive tools', () => {
  it('match whole words only', () => {
    expect(offensiveToolIn('Pacu/1.5 aws-cli/1.29')?.name).toBe('pacu');
    expect(offensiveToolIn('os/linux#6.1.0-kali7-amd64')?.name).toBe('kali');
    expect(offensiveToolIn('pacuvia/1.0 kalimba/2')).toBeUndefined();
  });
});

describe('habits in the detector state', () => {
  it('are created in the same put as the principal\'s first sighting: one item, nothing lost', () => {
    expect(
      mergePuts([
        { key: 'prin#a', item: { first: 't1', seen: 5 }, expiresAt: 10 },
        { key: 'pair#a#b', item: { first: 't1' } },
        { key: 'prin#a', item: { first: 't0', n: ['x'], b: 'e-1' }, expiresAt: 20 },
      ]),
    ).toEqual([
      { key: 'prin#a', item: { first: 't1', seen: 5, n: ['x'], b: 'e-1' }, expiresAt: 20 },
      { key: 'pair#a#b', item: { first: 't1' } },
    ]);
  });

  it('cost no write of the principal\'s item while it does what it always does', async () => {
    const pipeline = memoryPipeline();
    const written: string[] = [];
    const update = pipeline.state.update.bind(pipeline.state);
    pipeline.state.update = async (updates: readonly StateUpdate[]) => {
      written.push(...updates.map((u) => u.key));
      return update(updates);
    };
    const eso = corpusRole('external-secrets', 'eso');
    const hour = (h: number) => [
      cloudTrail('BatchGetSecretValue', { userIdentity: eso, eventTime: `2024-05-01T${String(h).padStart(2, '0')}:00:05Z`, requestParameters: { filters: [{ key: 'tag-key', values: ['eso'] }] } }),
      getSecretValue('app/shared/a', eso, `2024-05-01T${String(h).padStart(2, '0')}:00:06Z`),
    ];
    for (let h = 0; h < 4; h += 1) await pipeline.run(hour(h));
    written.length = 0;
    await pipeline.run(hour(5));
    expect(written.filter((key) => key.startsWith('prin#'))).toEqual([]);
    expect(pipeline.published).toEqual([]);
  });

  it('attack: a principal asking a thousand different batch questions and calling from a thousand networks keeps a bounded item', async () => {
    const pipeline = memoryPipeline();
    const who = corpusRole('ci-deployer', 'x');
    const calls = (offset: number) =>
      Array.from({ length: 500 }, (_, i) =>
        cloudTrail('BatchGetSecretValue', { userIdentity: who, eventTime: '2024-05-01T10:00:00Z', sourceIPAddress: `198.${(i + offset) % 250}.${Math.floor((i + offset) / 250)}.1`, userAgent: `tool-${i + offset}/1.0`, requestParameters: { filters: [{ key: 'name', values: [`app/${i + offset}/`] }] } }),
      );
    await pipeline.run(calls(0));
    await pipeline.run(calls(500));
    const [, item] = [...pipeline.state.entries()].find(([key]) => key.startsWith('prin#'))!;
    expect(Object.keys(item).filter((name) => name.startsWith('p.')).length).toBeLessThanOrEqual(64);
    expect((item.n as Set<string>).size).toBeLessThanOrEqual(64);
    expect((item.c as Set<string>).size).toBeLessThanOrEqual(32);
    expect(JSON.stringify(item, (_k, v: unknown) => (v instanceof Set ? [...v] : v)).length).toBeLessThan(20_000);
  });

  it('raise a novelty finding again when the batch that found it is retried after its publication failed', async () => {
    const pipeline = memoryPipeline({ KEYWARDEN_LEARNING_DAYS: '1' });
    const agent = corpusRole('payments-agent-host', 'i-0');
    await pipeline.run([getSecretValue('app/shared/a', agent, '2024-04-20T10:00:00Z', { sourceIPAddress: '10.0.0.1', userAgent: 'aws-secrets-manager-agent/1.0' })]);
    const stolen = [getSecretValue('app/shared/a', agent, '2024-05-01T10:00:00Z', { sourceIPAddress: '203.0.113.9', userAgent: 'Boto3/1.34.0 Python/3.11' })];
    let failures = 1;
    const publish = pipeline.deps.publisher.publish;
    pipeline.deps.publisher = {
      publish: async (findings) => {
        if (failures-- > 0) throw new Error('EventBridge is down');
        await publish(findings);
      },
    };
    expect((await pipeline.run(stolen, 'try-1')).error).toBeDefined();
    expect(pipeline.published).toEqual([]);
    await pipeline.run(stolen, 'try-2');
    expect(pipeline.published.map((f) => f.ruleId)).toEqual(['audit.new-network-client']);
  });
});
