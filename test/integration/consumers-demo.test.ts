import { beforeEach, describe, expect, it } from 'vitest';
import { secretsManager, sqs } from '../../shared/aws/clients';
import { UNREFRESHED_RULE } from '../../shared/consumers/finding';
import { brokenConsumerPromises, DEMO_CONSUMERS, runDemoConsumers } from '../../cli/demo/consumers';
import { invokeBundle } from '../../cli/bundles';
import { drainQueue } from '../../cli/local/sqs-event-source';
import { createOutput } from '../../cli/output';
import { templateResource } from '../support/local-aws';
import { applyAuditFunctionEnv, runAuditQueue, subscribeToFindings } from '../support/local-audit-pipeline';
import { stalenessEnv } from '../support/local-staleness-scan';

// The consumer part of `npm run local` (cli/demo/consumers.ts) against the local AWS, through the
// built rotate, audit and staleness bundles: a consumer left behind after a rotation, its
// finding, the refresh action (the built refresh bundle, from the refresh queue), the finding resolved.
beforeEach(() => {
  applyAuditFunctionEnv();
  stalenessEnv({});
  process.env.KEYWARDEN_STAGE = 'ci';
  process.env.KEYWARDEN_FINDINGS_BUS = 'keywarden-ci';
});

const drainRefresh = async () => (await drainQueue({ client: sqs(), queueUrl: templateResource('RefreshQueue'), invoke: (event) => invokeBundle('refresh', event) })).deleted;

describe('the demo of consumers', () => {
  it('shows a consumer left behind after a rotation, its finding, a refresh, and the finding resolved', async () => {
    const findings = await subscribeToFindings();
    const notes: string[] = [];
    const out = createOutput({ json: false }, () => undefined, (line) => void notes.push(line));
    const demo = await runDemoConsumers(secretsManager(), 'ci', out, { audit: async () => (await runAuditQueue()).delivered, refresh: drainRefresh });

    expect(demo.error).toBeUndefined();
    expect(demo.first).toMatchObject({ behind: 1, opened: 1 });
    expect(demo.second).toMatchObject({ behind: 0, resolved: 1 });
    // The refresh action ran for the consumer left behind: its configuration carries the new version.
    expect(demo.refreshedTo).toBe(demo.versionId);
    const published = (await findings()).filter((f) => f.ruleId === UNREFRESHED_RULE);
    expect(published.map((f) => f.status)).toEqual(['open', 'resolved']);
    expect((published[0]!.evidence.consumers as Array<{ name: string }>).map((c) => c.name)).toEqual([DEMO_CONSUMERS.leftBehind]);
    // The summary's checks hold when the open finding's title reached Slack (the stand-in prints each title).
    expect(brokenConsumerPromises(demo, published.map((f) => f.title))).toEqual([]);
    expect(brokenConsumerPromises(demo, [])).toEqual(['the consumers.unrefreshed finding did not reach the Slack stand-in']);
    expect(notes.join('')).toContain('refresh');
  });
});
