import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KeywardenError } from '../../shared/errors';

/** Puts CloudTrail records on the default bus as CloudTrail does: one EventBridge event each. */
export async function putCloudTrail(client: EventBridgeClient, records: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let start = 0; start < records.length; start += 10) {
    const out = await client.send(
      new PutEventsCommand({
        Entries: records.slice(start, start + 10).map((record) => ({
          EventBusName: 'default',
          Source: `aws.${String(record.eventSource ?? 'unknown').replace('.amazonaws.com', '')}`,
          DetailType: record.eventType === 'AwsServiceEvent' ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail',
          Detail: JSON.stringify(record),
        })),
      }),
    );
    if (out.FailedEntryCount) throw new KeywardenError(`PutEvents refused ${out.FailedEntryCount} CloudTrail event(s): ${JSON.stringify(out.Entries?.filter((e) => e.ErrorCode))}`);
  }
}
