import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KeywardenError } from '../errors';
import { ROTATION_DETAIL_TYPE, ROTATION_EVENT_SOURCE, type RotationEventDetail, type RotationEventPublisher } from '../rotation/rotation-event';

/**
 * Puts one `keywarden.rotation` event on the keywarden bus. `Resources` carries the secret's ARN
 * when the rotate function knew it (Secrets Manager names the secret by ARN), so a rule can match
 * on it. The caller (shared/rotation/announce.ts) makes sure a failure never fails a rotation.
 */
export class EventBridgeRotationPublisher implements RotationEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(detail: RotationEventDetail): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: ROTATION_EVENT_SOURCE,
            DetailType: ROTATION_DETAIL_TYPE,
            Time: new Date(detail.at),
            Resources: detail.secret.arn ? [detail.secret.arn] : undefined,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    const code = out.Entries?.[0]?.ErrorCode;
    if (code || (out.FailedEntryCount ?? 0) > 0) throw new KeywardenError(`EventBridge refused the rotation event on bus ${this.busName}: ${code ?? 'failed entry'}`);
  }
}
