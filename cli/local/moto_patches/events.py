"""EventBridge: targets receive what they ask for, and schedule rules receive no events.

keywarden's findings travel EventBridge -> SQS locally too, so moto must deliver what AWS
delivers. Each patch is named here, in docs/local-aws.md and in the test that proves it
(test/integration/local-aws/moto-events.test.ts).

- Input and InputPath: moto applies a target's InputTransformer but ignores Input (a constant
  JSON text) and InputPath (a JSONPath into the event), so an SQS target always receives the
  whole event. AWS sends exactly the Input, or the part InputPath selects. Patched by handing
  moto the equivalent InputTransformer.
- a payload's own time: moto turns a "time" field of what it sends to SQS into a date, and fails
  when that field is not a number, as it is in a transformed payload; patched to convert only
  the envelope's numeric time.
- schedule rules: moto matches every event put on a bus against a rule that has a schedule and
  no event pattern (an empty pattern matches all), then fails the whole PutEvents on its Lambda
  target. AWS runs such a rule only on its schedule; no event matches it. Patched: a schedule
  rule without a pattern receives no events.
"""

from moto.events import models as events_models

Rule = events_models.Rule
_original_send_to_targets = Rule.send_to_targets
_original_send_to_sqs = Rule._send_to_sqs_queue


class _TimeIsData(dict):
    """A payload whose "time" is its own data: hidden from moto's envelope-time conversion."""

    def __contains__(self, key):
        return key != "time" and dict.__contains__(self, key)


def _as_transformer(target):
    if "InputTransformer" in target:
        return target
    if "Input" in target:  # the paths map must not be empty, or moto fills in its default one
        return {**target, "InputTransformer": {"InputTemplate": target["Input"],
                                               "InputPathsMap": {"keywarden_unused": "$.id"}}}
    if "InputPath" in target:
        return {**target, "InputTransformer": {"InputTemplate": "<keywarden_input>",
                                               "InputPathsMap": {"keywarden_input": target["InputPath"]}}}
    return target


def send_to_targets(self, original_event, transform_input=True):
    # Schedule rules.
    if self.scheduled_expression and not self.event_pattern._pattern:
        return None
    # Input and InputPath.
    saved = self.targets
    self.targets = [_as_transformer(target) for target in saved]
    try:
        return _original_send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = saved


def _send_to_sqs_queue(self, resource_id, event, group_id=None):
    # A payload's own time.
    if isinstance(event, dict) and not isinstance(event.get("time", 0), (int, float)):
        event = _TimeIsData(event)
    return _original_send_to_sqs(self, resource_id, event, group_id)


def apply():
    """Replaces moto's EventBridge rule delivery with the patched one above."""
    Rule.send_to_targets = send_to_targets
    Rule._send_to_sqs_queue = _send_to_sqs_queue
