import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/finding';
import { DEFAULT_TENANCY } from '../../../shared/tenancy';
import type { RefreshActions } from '../../../shared/refresh/action';
import { processRefreshBatch } from '../../../shared/refresh/process-batch';
import type { RefreshDeps } from '../../../shared/refresh/refresh';
import type { SecretMetadata } from '../../../shared/secrets-store';

const sample = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'events', 'refresh', 'sqs-rotation-succeeded.json'), 'utf8')) as SQSEvent;
const NAME = 'multitenant-ai-poc/tenant-1/reporter-api-key';
const VERSION = '9a057915-b8c9-440f-aafe-b63d40336021';

/** The use case with its collaborators recorded: what ran, what was published, what was logged. */
function harness(metadata: Partial<SecretMetadata>, options: { publishFails?: boolean } = {}) {
  const ran: string[] = [];
  const published: Finding[] = [];
  const warned: string[] = [];
  const action = (name: string) => ({ name, run: async (target: object) => (ran.push(`${name} ${JSON.stringify(target)}`), 'done') });
  const deps: RefreshDeps = {
    store: { describe: async () => ({ arn: `arn:${NAME}`, name: NAME, rotationEnabled: true, versions: { [VERSION]: ['AWSCURRENT'] }, tags: {}, ...metadata }) },
    actions: { 'eso-force-sync': action('eso'), 'k8s-rollout-restart': action('restart'), 'ecs-new-deployment': action('ecs'), 'lambda-config-version': action('lambda') } as unknown as RefreshActions,
    allowList: { ecsServices: [], lambdaPrefixes: ['team-{tenant}-'], k8sNamespaces: [], ownFunctionPrefix: 'keywarden-' },
    tenancy: DEFAULT_TENANCY,
    findings: { publish: async (f) => (options.publishFails ? Promise.reject(new Error('bus down')) : void published.push(...f)) },
    clock: { now: () => new Date('2026-12-03T10:00:01Z') },
    log: { info: () => undefined, warn: (message) => void warned.push(message) },
  };
  return { deps, ran, published, warned };
}

const records = (event: SQSEvent) => event.Records.map((r) => ({ messageId: r.messageId, body: r.body }));

describe('the refresh queue\'s batch (events/refresh/sqs-rotation-succeeded.json)', () => {
  it('runs the tagged action for the sample event', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    expect(await processRefreshBatch(records(sample), h.deps)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toEqual(['lambda {"action":"lambda-config-version","functionName":"team-tenant-1-reporter"}']);
  });

  it('retries the message when the findings cannot be published (nothing is lost)', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-2-reporter' } }, { publishFails: true });
    expect(await processRefreshBatch(records(sample), h.deps)).toEqual({ batchItemFailures: [{ itemIdentifier: sample.Records[0]!.messageId }] });
  });

  it('attack: a message that is not a rotation event is dropped with a log line, not retried forever', async () => {
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-1-reporter' } });
    const forged = [{ messageId: 'm1', body: '{"source":"keywarden","detail-type":"keywarden.rotation","detail":{"outcome":"succeeded"}}' }, { messageId: 'm2', body: 'not json' }];
    expect(await processRefreshBatch(forged, h.deps)).toEqual({ batchItemFailures: [] });
    expect(h.ran).toEqual([]);
    expect(h.warned).toEqual(['dropped a message that is not a rotation event', 'dropped a message that is not a rotation event']);
  });

  it('attack: the event\'s tenant is not believed: the tenant comes from the secret\'s name', async () => {
    const body = sample.Records[0]!.body.replace('"tenant":"tenant-1"', '"tenant":"tenant-2"');
    const h = harness({ tags: { 'keywarden:refresh-lambda': 'team-tenant-2-reporter' } });
    await processRefreshBatch([{ messageId: 'm', body }], h.deps);
    expect(h.ran).toEqual([]);
    expect(h.published.map((f) => [f.ruleId, f.tenant])).toEqual([['rotation.refresh-refused', 'tenant-1']]);
  });
});
