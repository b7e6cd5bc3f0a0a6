import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { invokeBundle } from '../../cli/bundles';
import type { Finding } from '../../shared/finding';
import { cloudWatch, eventBridge, sqs } from '../../shared/aws/clients';
import type { StalenessScanSummary } from '../../shared/staleness/scan';
import { templateResource } from './local-aws';

export { createSecrets, DAY_MS, latestStamp, type PlannedSecret } from './secret-inventory';

/** The stage the integration tests package, its bus and the staleness namespace. */
export const BUS = 'keywarden-ci';
export const NAMESPACE = 'Keywarden/ci/Staleness';

/**
 * Points the staleness bundle at this run's resources. The bundle reads its environment on its
 * first invocation in a test file, so every test of a file shares these settings.
 */
export function stalenessEnv(policies: unknown): void {
  Object.assign(process.env, {
    KEYWARDEN_STALENESS_TABLE: templateResource('StalenessStateTable'),
    KEYWARDEN_FINDINGS_BUS: BUS,
    KEYWARDEN_METRICS_NAMESPACE: NAMESPACE,
    KEYWARDEN_STALENESS_POLICIES: JSON.stringify(policies),
    KEYWARDEN_HYGIENE: 'tagged',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
}

/** Invokes the BUILT staleness bundle with a scheduled event fired at `time`. */
export async function runScan(time: Date): Promise<StalenessScanSummary> {
  const event = {
    version: '0',
    id: `test-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/keywarden-ci-staleness'],
    detail: {},
  };
  // The function's timeout in deploy/staleness.yml.
  return (await invokeBundle('staleness', event, { timeoutMs: 300_000 })) as StalenessScanSummary;
}

/** A queue that receives every finding on the keywarden bus, as the alert queue would. */
export async function findingsQueue(name = 'staleness-test-findings'): Promise<string> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await eventBridge().send(
    new PutRuleCommand({ Name: `${name}-rule`, EventBusName: BUS, EventPattern: JSON.stringify({ source: ['keywarden'], 'detail-type': ['keywarden.finding'] }) }),
  );
  await eventBridge().send(new PutTargetsCommand({ Rule: `${name}-rule`, EventBusName: BUS, Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
  return QueueUrl!;
}

/**
 * Every finding waiting in the queue. Received with a visibility timeout longer than any test,
 * so none comes back: no delete calls (the local AWS is reset before the next test anyway).
 */
export async function drainFindings(queueUrl: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 43_200 }));
    if (Messages.length === 0) empty += 1;
    else empty = 0;
    for (const m of Messages) findings.push((JSON.parse(m.Body!) as { detail: Finding }).detail);
  }
  return findings;
}

/** One metric read back from the local CloudWatch: `name` with `dimensions`, at `at`. */
export interface MetricQuery {
  name: string;
  dimensions?: Record<string, string>;
}

/** Reads metrics back (GetMetricData, Maximum over the hour around `at`), up to 500 a call. */
export async function readMetrics(queries: readonly MetricQuery[], at: Date): Promise<number[]> {
  const values: number[] = [];
  for (let start = 0; start < queries.length; start += 500) {
    const chunk = queries.slice(start, start + 500);
    const metricQueries: MetricDataQuery[] = chunk.map((q, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: { Namespace: NAMESPACE, MetricName: q.name, Dimensions: Object.entries(q.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })) },
        Period: 3600,
        Stat: 'Maximum',
      },
    }));
    const out = await cloudWatch().send(
      new GetMetricDataCommand({ StartTime: new Date(at.getTime() - 1_800_000), EndTime: new Date(at.getTime() + 1_800_000), MetricDataQueries: metricQueries }),
    );
    for (let i = 0; i < chunk.length; i += 1) {
      const result = out.MetricDataResults?.find((r) => r.Id === `m${i}`);
      values.push(result?.Values?.length === 1 ? result.Values[0]! : Number.NaN);
    }
  }
  return values;
}
