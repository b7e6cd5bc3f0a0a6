import { describe, expect, it } from 'vitest';
import { ordinaryReads, stratusRecords } from '../../../cli/demo/traffic';
import { detectors } from '../../../shared/detection/detectors';
import { memoryPipeline } from '../../support/memory-audit-pipeline';

/**
 * `npm run local` replays ordinary reads and three Stratus Red Team files in one go: issue 13's
 * detectors must leave its results as they were (the same findings as the detectors before them).
 */
const ISSUE_13 = new Set(['value-written', 'rotation-hijack', 'kms-key-changed', 'enumeration-sweep', 'offensive-tool', 'first-batch-read', 'new-network-client']);

describe('the local demo\'s traffic', () => {
  it('raises the same findings with issue 13\'s detectors as without them', async () => {
    const secrets = ['multitenant-ai-poc/tenant-1/database-password', 'multitenant-ai-poc/tenant-2/api-key', 'multitenant-ai-poc/shared/feature-flags'];
    const traffic = [...ordinaryReads(secrets, new Date('2026-12-03T12:00:00Z')), ...stratusRecords().records];
    expect(traffic.length).toBeGreaterThan(20);
    const run = async (chosen: typeof detectors) => {
      const pipeline = memoryPipeline({}, { detectors: chosen, now: '2026-12-03T12:00:00Z' });
      await pipeline.run(traffic);
      return pipeline.published.map((f) => f.ruleId).sort();
    };
    const before = await run(detectors.filter((d) => !ISSUE_13.has(d.name)));
    expect(await run(detectors)).toEqual(before);
    expect(before).toContain('audit.secret-harvesting');
    expect(before).toContain('audit.batch-retrieval');
  });
});
