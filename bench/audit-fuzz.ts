import { runAuditFuzz } from '../test/support/audit-fuzz';

const MESSAGES = 100_000;

/**
 * The big audit fuzz run (`npm run bench -- audit-fuzz`): 100,000 hostile messages through the
 * audit use case with the real DynamoDB store and EventBridge publisher over clients enforcing
 * the services' limits (test/support/audit-fuzz.ts; the unit test runs 5,000 of them). Prints
 * what happened; every count but stored, dead-lettered and findings should be zero.
 */
export async function printAuditFuzzFigures(): Promise<void> {
  console.log(`\n== audit fuzz: ${MESSAGES.toLocaleString('en')} hostile messages (oversized, wrong types, control characters, unicode, deep nesting) through processAuditBatch`);
  const began = performance.now();
  const run = await runAuditFuzz(MESSAGES, 1203);
  const seconds = (performance.now() - began) / 1000;
  const reasons = new Map<string, number>();
  for (const dead of run.deadLettered) {
    const reason = dead.reason.replace(/\d+/g, 'N');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  console.log(`${seconds.toFixed(1)} s; stored ${run.stored}, skipped ${run.skipped}, dead-lettered with a reason ${run.deadLettered.length}, findings ${run.findings} in ${run.published.requests} PutEvents request(s)`);
  console.log(`crashes (batch errors) ${run.errors.length}, retried ${run.retried}, service limits broken ${run.violations.length}, messages in no outcome ${run.unaccounted}`);
  console.log(`most common reasons: ${[...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([r, n]) => `${r} (${n})`).join('; ')}`);
}
