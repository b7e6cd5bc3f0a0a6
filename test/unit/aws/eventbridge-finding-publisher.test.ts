import type { PutEventsCommand} from '@aws-sdk/client-eventbridge';
import { type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { parseFinding, type Finding } from '../../../shared/finding';
import { EventBridgeFindingPublisher, entryBytes } from '../../../shared/aws/eventbridge-finding-publisher';

const OWN = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };
const LIMIT = 256 * 1024;

/** EventBridge's PutEvents limits, enforced as the service does: too big or too many is refused whole. */
function fakeEventBridge() {
  const requests: PutEventsRequestEntry[][] = [];
  const client = {
    send: async (command: PutEventsCommand) => {
      const entries = command.input.Entries ?? [];
      if (entries.length > 10) throw Object.assign(new Error('too many entries'), { name: 'ValidationException' });
      if (entries.reduce((n, e) => n + entryBytes(e), 0) > LIMIT) throw Object.assign(new Error('request too large'), { name: 'ValidationException' });
      requests.push(entries);
      return { Entries: entries.map(() => ({ EventId: 'x' })), FailedEntryCount: 0 };
    },
  } as unknown as EventBridgeClient;
  return { client, requests };
}

function finding(i: number, evidence: Record<string, unknown>, arn?: string): Finding {
  return {
    id: `audit.secret-harvesting:${i}`,
    ruleId: 'audit.secret-harvesting',
    title: 'Secret harvesting',
    severity: 'high',
    status: 'open',
    source: 'audit',
    evidence,
    dedupKey: `audit.secret-harvesting:${i}`,
    runbook: 'Revoke the principal.',
    observedAt: '2024-05-01T10:00:00.000Z',
    ...(arn ? { secret: { name: 'x', arn } } : {}),
  };
}

describe('the EventBridge finding publisher', () => {
  it('attack: findings whose total exceeds 256 KB -> several requests, each within 256 KB and 10 entries, every finding sent', async () => {
    const { client, requests } = fakeEventBridge();
    const findings = Array.from({ length: 25 }, (_, i) => finding(i, { userAgents: ['u'.repeat(30_000)], secrets: [`s-${i}`] }));
    await new EventBridgeFindingPublisher(client, 'keywarden-ci', OWN).publish(findings);
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.flat().map((e) => (JSON.parse(e.Detail!) as Finding).id)).toEqual(findings.map((f) => f.id));
    for (const request of requests) expect(request.reduce((n, e) => n + entryBytes(e), 0)).toBeLessThanOrEqual(LIMIT);
  });

  it('attack: one finding over the limit alone -> sent with its evidence trimmed and a note, still a valid finding', async () => {
    const { client, requests } = fakeEventBridge();
    const huge = finding(1, { principalKey: 'arn:aws:iam::123456789012:user/alice', secrets: Array.from({ length: 500 }, (_, i) => `s-${i}-${'x'.repeat(900)}`), userAgents: Array.from({ length: 300 }, () => 'y'.repeat(1000)) });
    await new EventBridgeFindingPublisher(client, 'keywarden-ci', OWN).publish([huge]);
    const sent = parseFinding(JSON.parse(requests[0]![0]!.Detail!));
    expect(sent.evidence.evidenceTrimmed).toMatch(/evidence trimmed: the finding was \d+ KB/);
    expect(sent.evidence.principalKey).toBe('arn:aws:iam::123456789012:user/alice');
    expect(entryBytes(requests[0]![0]!)).toBeLessThanOrEqual(200_000);
  });

  it.each([
    ['another account', 'arn:aws:secretsmanager:us-east-1:999999999999:secret:db-AbC123'],
    ['another region', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123'],
    ['another partition', 'arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:db-AbC123'],
    ['another service', 'arn:aws:s3:us-east-1:123456789012:secret:db-AbC123'],
    ['a URL', 'https://evil.example/arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC123'],
    ['characters no secret name has', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:<!channel> db-AbC123'],
    ['no random suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db'],
  ])('attack: an ARN-shaped secret id of %s -> never in Resources', async (_name, arn) => {
    const { client, requests } = fakeEventBridge();
    await new EventBridgeFindingPublisher(client, 'keywarden-ci', OWN).publish([finding(1, {}, arn)]);
    expect(requests[0]![0]!.Resources).toBeUndefined();
  });

  it('puts a validated secret ARN of this account and region in Resources, and none when the account is not known', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/tenant-1/db-AbC123';
    const known = fakeEventBridge();
    await new EventBridgeFindingPublisher(known.client, 'keywarden-ci', OWN).publish([finding(1, {}, arn)]);
    expect(known.requests[0]![0]!.Resources).toEqual([arn]);
    const unknown = fakeEventBridge();
    await new EventBridgeFindingPublisher(unknown.client, 'keywarden-ci').publish([finding(1, {}, arn)]);
    expect(unknown.requests[0]![0]!.Resources).toBeUndefined();
  });
});
