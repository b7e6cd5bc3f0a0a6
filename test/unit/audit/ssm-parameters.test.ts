import { describe, expect, it } from 'vitest';
import { READ_EVENTS, VALUE_READ_EVENTS } from '../../../shared/audit/actions';
import { isBounded } from '../../../shared/audit/bounded';
import { normaliseCloudTrail } from '../../../shared/audit/normalise';
import { parameterTenant, splitSelector } from '../../../shared/audit/ssm-parameters';
import { DEFAULT_TENANCY } from '../../../shared/tenancy';
import { ACCOUNT, APP_ROLE, REGION, cloudTrail, envelope } from '../../support/cloudtrail-records';

/** A Parameter Store CloudTrail record, as CloudTrail writes it. */
function ssm(eventName: string, requestParameters: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  return cloudTrail(eventName, { eventSource: 'ssm.amazonaws.com', requestParameters, ...extra });
}

function record(input: unknown) {
  const result = normaliseCloudTrail(input);
  if (result.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('Parameter Store records in the audit trail', () => {
  it('a GetParameter with decryption is a value read of the parameter, owned by the tenant in its path', () => {
    const r = record(ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-2/db-password', withDecryption: true }));
    expect(r).toMatchObject({ eventName: 'GetParameter', actionClass: 'read', readsValue: true });
    expect(r.secrets).toEqual([{ id: '/multitenant-ai-poc/tenant-2/db-password', name: '/multitenant-ai-poc/tenant-2/db-password', kind: 'parameter', tenant: 'tenant-2' }]);
    expect(r.principal.tenant).toBe('tenant-1');
  });

  it('a read without decryption (ciphertext of a SecureString) is a metadata read, not a value read', () => {
    for (const withDecryption of [false, 'false', undefined]) {
      const r = record(ssm('GetParameter', { name: '/multitenant-ai-poc/tenant-1/x', withDecryption }));
      expect(r.actionClass).toBe('read');
      expect(r.readsValue).toBe(false);
    }
  });

  it('GetParameters names each parameter once; ARNs and version selectors come back to the name', () => {
    const r = record(
      ssm('GetParameters', {
        names: [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/multitenant-ai-poc/tenant-1/a`, '/multitenant-ai-poc/tenant-1/a:current', '/multitenant-ai-poc/tenant-3/b:7', 'flat-name'],
        withDecryption: true,
      }),
    );
    expect(r.secrets.map((s) => [s.name, s.tenant])).toEqual([
      ['/multitenant-ai-poc/tenant-1/a', 'tenant-1'],
      ['/multitenant-ai-poc/tenant-3/b', 'tenant-3'],
      ['flat-name', undefined],
    ]);
    expect(r.secrets[0]!.arn).toBe(`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/multitenant-ai-poc/tenant-1/a`);
  });

  it('GetParametersByPath names the path; a path at a tenant belongs to it, one above the tenants to none', () => {
    expect(record(ssm('GetParametersByPath', { path: '/multitenant-ai-poc/tenant-4/', recursive: true, withDecryption: true })).secrets[0]).toMatchObject({ name: '/multitenant-ai-poc/tenant-4/', tenant: 'tenant-4' });
    expect(record(ssm('GetParametersByPath', { path: '/multitenant-ai-poc/', recursive: true, withDecryption: true })).secrets[0]!.tenant).toBeUndefined();
  });

  it('PutParameter keeps type, overwrite, key and tags, never the value', () => {
    const r = record(ssm('PutParameter', { name: '/multitenant-ai-poc/tenant-1/k', type: 'SecureString', overwrite: true, keyId: 'alias/app', value: 'HIDDEN_DUE_TO_SECURITY_REASONS', tags: [{ key: 'keywarden:decoy', value: 'true' }] }));
    expect(r).toMatchObject({ actionClass: 'write', readsValue: false, details: { overwrite: true, parameterType: 'SecureString', keyId: 'alias/app', tags: [{ key: 'keywarden:decoy', value: 'true' }] } });
    expect(JSON.stringify(r)).not.toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
  });

  it('LabelParameterVersion, DeleteParameter and parameter tagging are classed; tagging another resource type names no parameter', () => {
    expect(record(ssm('LabelParameterVersion', { name: '/a/b/c', parameterVersion: 3, labels: ['current'] }))).toMatchObject({ actionClass: 'rotation', details: { parameterVersion: 3, labels: ['current'] } });
    expect(record(ssm('DeleteParameter', { name: '/a/b/c' })).actionClass).toBe('delete');
    expect(record(ssm('AddTagsToResource', { resourceType: 'Parameter', resourceId: '/a/b/c', tags: [{ key: 'x', value: 'y' }] })).secrets.map((s) => s.name)).toEqual(['/a/b/c']);
    expect(record(ssm('AddTagsToResource', { resourceType: 'Document', resourceId: 'doc', tags: [] })).secrets).toEqual([]);
  });

  it('comes through the EventBridge envelope with source aws.ssm, and only with it', () => {
    const r = record({ ...envelope(ssm('GetParameter', { name: '/a/tenant-1/x', withDecryption: true })), source: 'aws.ssm' });
    expect(normaliseCloudTrail(envelope(ssm('GetParameter', { name: '/a/tenant-1/x' }))).kind).toBe('skipped');
    expect(r.readsValue).toBe(true);
  });

  it('skips the rest of Systems Manager (Run Command, sessions) sharing the event source', () => {
    expect(normaliseCloudTrail(ssm('SendCommand', { documentName: 'AWS-RunShellScript' }))).toMatchObject({ kind: 'skipped' });
    expect(normaliseCloudTrail(ssm('StartSession', { target: 'i-1' }))).toMatchObject({ kind: 'skipped' });
  });

  it('detector filters include the parameter reads', () => {
    for (const name of ['GetParameter', 'GetParameters', 'GetParametersByPath']) {
      expect(VALUE_READ_EVENTS).toContain(name);
      expect(READ_EVENTS).toContain(name);
    }
  });

  it('attack: a 2,048-character parameter name is bounded to a key-sized id with a hash, two long names stay two', () => {
    const long = (c: string) => `/multitenant-ai-poc/tenant-9/${c.repeat(2020)}`;
    const r = record(ssm('GetParameters', { names: [long('a'), `${long('a').slice(0, -1)}b`], withDecryption: true }));
    expect(r.secrets).toHaveLength(2);
    for (const s of r.secrets) {
      expect(Buffer.byteLength(s.name, 'utf8')).toBeLessThanOrEqual(1024);
      expect(isBounded(s.name)).toBe(true);
      expect(s.tenant).toBe('tenant-9');
    }
    expect(r.secrets[0]!.name).not.toBe(r.secrets[1]!.name);
  });

  it('attack: wrong field types and over-long lists are refused with the field named, never half-read', () => {
    expect(normaliseCloudTrail(ssm('GetParameters', { names: 'not-a-list' }))).toEqual({ kind: 'unreadable', reason: 'requestParameters.names is not a list' });
    expect(normaliseCloudTrail(ssm('GetParameters', { names: Array.from({ length: 11 }, (_, i) => `/a/b/${i}`) }))).toMatchObject({ kind: 'unreadable', reason: expect.stringContaining('more than 10') });
    expect(normaliseCloudTrail(ssm('GetParameter', { name: { nested: true } }))).toEqual({ kind: 'unreadable', reason: 'requestParameters.name is not a string' });
    expect(normaliseCloudTrail(ssm('GetParameter', { name: '/a/b/c', withDecryption: 'yes' }, { userIdentity: APP_ROLE })).kind).toBe('record');
  });

  it('attack: a selector cannot smuggle a long label; ARNs of other services are not parameter ARNs', () => {
    expect(splitSelector(`/a/b/c:${'x'.repeat(500)}`).selector).toHaveLength(128);
    expect(parameterTenant('/multitenant-ai-poc/shared/x', DEFAULT_TENANCY)).toBeUndefined();
  });
});
